"""Benchmark: `haven intake pickup` of many small submissions, on SQLite and on PostgreSQL.

Stores SUBMISSIONS small reports (a narrative and one 10 KiB file each:
two stored files, one chunk apiece) through the app in process, once in a
SQLite data directory and, with --database-url, once in that (empty)
PostgreSQL database, then times `haven intake pickup` of all of them, wall and
CPU time of the child, --runs times alternating the databases (each run picks
the same submissions up again with --again, so all runs read the same rows),
and an empty pickup (nothing new) after each: what a pickup costs before its
first submission, its start-up. Prints the best and the median of each and the
ratio PostgreSQL / SQLite (target: within 1.5x).

With --old-tree DIR (say `git archive main | tar -x -C /tmp/old-pickup`), each
run also times the pickups of the Haven in DIR, on the same data, in ABBA order.

    python bench/pickup_speed.py [--submissions 1000] [--runs 3]
                                 [--database-url postgresql+psycopg://.../empty_db]
                                 [--old-tree DIR]

The pickups run with bytecode caching allowed (and after a warm-up), as an
installed Haven does: with PYTHONDONTWRITEBYTECODE set, every start would
compile Haven's sources anew and the figure would include the compiler. The
machine is shared: the runs alternate so that a change in its other load hits
both databases (and both trees) alike; say how loaded it was when quoting them.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]

import keys  # noqa: E402
from keys.receipt import Argon2Cost  # noqa: E402

BOUNDARY = "havenbenchboundary"
HAVEN = [sys.executable, "-c", "from haven.cli import main; main()"]
# Argon2 plays no part in pickup: the reports are stored at the least cost.
CHEAP = Argon2Cost(time_cost=1, memory_kib=64, parallelism=1)
ATTACHMENT = os.urandom(10 << 10)


def fill(data_dir: Path, env: dict[str, str], submissions: int) -> None:
    """Store `submissions` small reports through the app, as reporters would."""
    from intake.app import create_app
    from intake.config import load_config

    config = dataclasses.replace(load_config(env), receipt_cost=CHEAP)
    app = create_app(config)
    for serial in range(submissions):
        client = app.test_client()
        page = client.get("/report").get_data(as_text=True)
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert match
        body = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            f"{match.group(1)}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; "
            f'name="narrative"\r\n\r\npickup bench report {serial}\r\n--{BOUNDARY}\r\n'
            'Content-Disposition: form-data; name="attachments"; filename="a.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode() + ATTACHMENT + f"\r\n--{BOUNDARY}--\r\n".encode()
        response = client.post(
            "/report", input_stream=io.BytesIO(body),
            content_type=f"multipart/form-data; boundary={BOUNDARY}",
            environ_overrides={"wsgi.input_terminated": True},
        )  # fmt: skip
        assert response.status_code == 303, response.status_code
    app.extensions["haven_intake"].engine.dispose()


def pickup(
    data_dir: Path, env: dict[str, str], out: Path, again: list[str], tree: Path = HERE.parent
) -> tuple[float, float]:
    """One pickup by the Haven in `tree` of `again` (of what is new if none): wall, CPU seconds."""
    ids = [arg for submission in again for arg in ("--again", submission)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    # From `tree`: `python -c` puts the working directory first on sys.path.
    subprocess.run(
        [*HAVEN, "intake", "pickup", "--data-dir", str(data_dir), "--out", str(out), *ids],
        env=_child_env(env), check=True, capture_output=True, cwd=tree,
    )  # fmt: skip
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def _child_env(env: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in env.items() if name != "PYTHONDONTWRITEBYTECODE"}


def bundled_ids(bundle: Path) -> list[str]:
    with tarfile.open(bundle) as tar:
        manifest = tar.extractfile("manifest.json")
        assert manifest is not None
        return [entry["id"] for entry in json.loads(manifest.read())["submissions"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", help="an existing, empty PostgreSQL database")
    parser.add_argument("--old-tree", type=Path, help="another Haven's tree, timed alongside")
    arguments = parser.parse_args()
    databases = {"SQLite": None}
    if arguments.database_url:
        databases["PostgreSQL"] = arguments.database_url
    trees = {"this tree": HERE.parent}
    if arguments.old_tree:
        trees["old tree"] = arguments.old_tree.resolve()
    with tempfile.TemporaryDirectory() as work_name:
        work = Path(work_name)
        setups: dict[str, tuple[Path, dict[str, str]]] = {}
        for name, url in databases.items():
            data_dir = work / name / "data"
            env = {**os.environ, "HAVEN_DATA_DIR": str(data_dir)}
            if url:
                env["HAVEN_DATABASE_URL"] = url
            subprocess.run([*HAVEN, "intake", "init", "--data-dir", str(data_dir)],
                           env=env, check=True, capture_output=True)  # fmt: skip
            recipients = data_dir / "recipients.txt"
            recipients.write_text(f"{keys.X25519Identity.generate().recipient()}\n")
            recipients.chmod(0o600)
            fill(data_dir, env, arguments.submissions)
            setups[name] = (data_dir, env)
        # The first pickup takes what is new; it also warms each tree's bytecode cache.
        picked: dict[str, list[str]] = {}
        for name, (data_dir, env) in setups.items():
            out = work / name / "first.tar"
            pickup(data_dir, env, out, [])
            picked[name] = bundled_ids(out)
            if len(picked[name]) != arguments.submissions:
                raise SystemExit(f"{name}: {len(picked[name])} picked up")
            for tree_name, tree in trees.items():
                pickup(data_dir, env, work / name / f"warm-{tree_name}.tar", [], tree)
        Times = dict[tuple[str, str], list[tuple[float, float]]]
        full: Times = {(name, tree): [] for name in databases for tree in trees}
        empty: Times = {(name, tree): [] for name in databases for tree in trees}
        for run in range(arguments.runs):
            order = list(trees.items())
            for tree_name, tree in order + order[::-1] if run % 2 == 0 else order[::-1] + order:
                for name, (data_dir, env) in setups.items():
                    out = work / name / f"bundle-{run}-{len(full[name, tree_name])}.tar"
                    full[name, tree_name].append(pickup(data_dir, env, out, picked[name], tree))
                    if bundled_ids(out) != picked[name]:
                        raise SystemExit(f"{name}, {tree_name}: a different bundle")
                    out.unlink()
                    nothing = work / name / "nothing.tar"
                    empty[name, tree_name].append(pickup(data_dir, env, nothing, [], tree))
                    if nothing.exists():
                        raise SystemExit(f"{name}, {tree_name}: an empty pickup wrote a bundle")
    runs = len(next(iter(full.values())))
    print(f"pickup of {arguments.submissions} small submissions (a narrative and one 10 KiB "
          f"file each), and an empty pickup, {runs} runs each, alternating; "
          f"load average {os.getloadavg()[0]:.2f} at the end:")  # fmt: skip
    for (name, tree_name), times in full.items():
        for what, runs_of in (("all", times), ("empty", empty[name, tree_name])):
            cpu = [c for _, c in runs_of]
            label = f"{name}, {tree_name}, {what}" if len(trees) > 1 else f"{name}, {what}"
            print(f"  {label:28} {min(w for w, _ in runs_of):6.2f} s wall (best), CPU of "
                  f"the pickup process {min(cpu):5.2f} s best, {statistics.median(cpu):5.2f} s "
                  "median")  # fmt: skip
    if "PostgreSQL" in databases:
        wall = {name: min(w for w, _ in full[name, "this tree"]) for name in databases}
        ratio = wall["PostgreSQL"] / wall["SQLite"]
        print(f"  PostgreSQL / SQLite: {ratio:.2f}x wall (target: within 1.5x)")


if __name__ == "__main__":
    main()
