"""Crash harness: SIGKILL `haven intake serve` mid-upload, many times; nothing acknowledged lost.

Reporters keep sending uploads (text only; 1-3 small files of 10-200 KiB; one
file of 20-100 MiB, 5-10 MiB with --small) to `haven intake serve` (gunicorn, 2
workers) while the harness SIGKILLs, at random moments, either one worker (the
master forks a new one) or the master and every worker at once (the harness
starts the server again). After KILLS kills it stops the reporters and checks:

- every receipt code the harness got opens a whole submission: its lookup id
  (Argon2 with the data directory's pepper, as intake derives it) names a
  submission in the pickup bundle whose report and every attachment decrypt
  with the reviewer's key and match what was sent (SHA-256 of each file);
- no partial submission is visible: every submission in the bundle is one the
  harness sent, whole (a report and exactly the files it sent, each intact);
- staged leftovers of the killed uploads are collected: once their leases have
  run out, the next start of intake deletes them (docs/intake.md, "Leases").

It prints the counts (kills, receipts, whole submissions, partial seen,
leftovers collected, dead ciphertext bytes at the end) and exits non-zero if a
check fails.

    python bench/crash_harness.py [--kills 50] [--small] [--seed N]
                                  [--database-url postgresql+psycopg://...]

The database named by --database-url must exist and be empty; SQLite in the
data directory otherwise. Leases are set to their minimum (4 s) so collection
is prompt; the default 60 s changes only how long leftovers wait.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

from intake_write import (  # noqa: E402
    BOUNDARY,
    MIB,
    form_session,
    free_port,
    process_tree,
    receipt_page,
)
from sqlalchemy import func, select  # noqa: E402

import keys  # noqa: E402
from intake.config import database_url  # noqa: E402
from intake.db import make_engine  # noqa: E402
from intake.models import COLLECTING, STAGED, Chunk, StoredFile, Submission  # noqa: E402
from intake.secretfiles import RECEIPT_PEPPER_FILE, read_secret_file  # noqa: E402
from keys.receipt import PRODUCTION_COST, derive_receipt_keys  # noqa: E402

KIB = 1 << 10
LEASE_SECONDS = 4
REPORTERS = 4
RECEIPT_CODE = re.compile(r'<p class="receipt-code" lang="en" dir="ltr">([^<]+)</p>')
NARRATIVE = re.compile(r"crash harness report (\d+)")
# How long anything may take on a loaded machine before the harness gives up.
PATIENCE_SECONDS = 300


@dataclass
class Sent:
    """One upload as the harness sent it: its files' sizes and SHA-256, and its receipt."""

    serial: int
    file_digests: list[str]
    # Whether the whole body went out: only then may it have been published.
    body_sent: bool = False
    code: str | None = None


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: dict[int, Sent] = field(default_factory=dict)
    cut_off: int = 0
    not_connected: int = 0
    refused: dict[int, int] = field(default_factory=dict)


def file_pieces(seed: str, size: int) -> Iterator[bytes]:
    """A file's bytes, generated in pieces of at most 1 MiB: no upload is held whole."""
    generator = random.Random(seed)
    while size > 0:
        piece = min(size, MIB)
        yield generator.randbytes(piece)
        size -= piece


def upload_sizes(chooser: random.Random, *, small: bool) -> list[int]:
    kind = chooser.choices(["text", "small files", "large file"], weights=[4, 4, 2])[0]
    if kind == "text":
        return []
    if kind == "small files":
        return [chooser.randint(10 * KIB, 200 * KIB) for _ in range(chooser.randint(1, 3))]
    return [chooser.randint(5 * MIB, 10 * MIB) if small else chooser.randint(20 * MIB, 100 * MIB)]


def upload(port: int, serial: int, sizes: list[int], tally: Tally) -> None:
    """Send one report with files of `sizes`, streamed; record what came back."""
    token, cookie = form_session(port)
    digests = [hashlib.sha256() for _ in sizes]
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="narrative"\r\n\r\n'
        f"crash harness report {serial}\r\n"
    ).encode()
    file_heads = [
        (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="attachments"; '
         f'filename="file-{index}.bin"\r\nContent-Type: application/octet-stream\r\n\r\n').encode()
        for index in range(len(sizes))
    ]  # fmt: skip
    tail = f"--{BOUNDARY}--\r\n".encode()
    files_length = sum(len(h) + size + 2 for h, size in zip(file_heads, sizes, strict=True))
    length = len(head) + files_length + len(tail)

    sent = Sent(serial, [])
    with tally.lock:
        tally.sent[serial] = sent

    def body() -> Iterator[bytes]:
        yield head
        for index, size in enumerate(sizes):
            yield file_heads[index]
            for piece in file_pieces(f"{serial}/{index}", size):
                digests[index].update(piece)
                yield piece
            yield b"\r\n"
        sent.file_digests = [digest.hexdigest() for digest in digests]
        sent.body_sent = True
        yield tail

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=PATIENCE_SECONDS)
    connection.request(
        "POST",
        "/report",
        body=body(),
        headers={
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
            "Content-Length": str(length),
            "Cookie": cookie,
        },
    )
    response = connection.getresponse()
    response.read()
    connection.close()
    status = response.status
    if status == 303:
        # Published; the code is shown once, on the receipt page the 303 leads to.
        status, page = receipt_page(port, cookie, response.msg.get_all("Set-Cookie") or [])
    with tally.lock:
        if status != 200:
            tally.refused[status] = tally.refused.get(status, 0) + 1
            return
        match = RECEIPT_CODE.search(page)
        assert match, "a receipt page without a receipt code"
        sent.code = match.group(1)


def reporter(port: int, serials: Iterator[int], tally: Tally, stop: threading.Event,
             seed: int, small: bool) -> None:  # fmt: skip
    while not stop.is_set():
        with tally.lock:
            serial = next(serials)
        chooser = random.Random(f"{seed}/{serial}")
        try:
            upload(port, serial, upload_sizes(chooser, small=small), tally)
        except ConnectionRefusedError:
            # The server is down between a kill and its restart.
            with tally.lock:
                tally.not_connected += 1
            stop.wait(0.2)
        except (OSError, http.client.HTTPException):
            # Killed mid-request: no receipt.
            with tally.lock:
                tally.cut_off += 1


class Intake:
    """`haven intake serve` on one port, started again after each kill of the whole."""

    def __init__(self, data_dir: Path, port: int, env: dict[str, str], log: Path) -> None:
        self.data_dir, self.port, self.env, self.log = data_dir, port, env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", "from haven.cli import main; main()", "intake", "serve",
                 "--data-dir", str(self.data_dir), "--port", str(self.port), "--plain-http",
                 "--workers", "2", "--threads", "8"],
                env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + PATIENCE_SECONDS
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"intake did not start; see {self.log}")
            time.sleep(0.05)

    def answers(self) -> bool:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            connection.request("GET", "/")
            connection.getresponse().read()
            connection.close()
        except (OSError, http.client.HTTPException):
            return False
        return True

    def workers(self) -> list[int]:
        assert self.process is not None
        return process_tree(self.process.pid)[1:]

    def kill(self, chooser: random.Random) -> str:
        """SIGKILL one worker or the whole server; return which."""
        assert self.process is not None
        workers = self.workers()
        if workers and chooser.random() < 0.5:
            os.kill(chooser.choice(workers), signal.SIGKILL)
            return "worker"
        for pid in [self.process.pid, *workers]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                continue
        self.process.wait()
        # The workers are gone too before the port is bound again.
        deadline = time.monotonic() + PATIENCE_SECONDS
        while any(Path(f"/proc/{pid}").exists() and not zombie(pid) for pid in workers):
            if time.monotonic() > deadline:
                raise SystemExit("a killed worker did not go")
            time.sleep(0.05)
        return "all"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(PATIENCE_SECONDS)


def zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def leftovers(url: str) -> tuple[set[str], int, int]:
    """Staged (or being collected) submissions, their ciphertext bytes, their latest lease."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            dead = [Submission.state.in_((STAGED, COLLECTING))]
            ids = set(connection.execute(select(Submission.id).where(*dead)).scalars())
            latest = connection.execute(
                select(func.max(Submission.lease_expires)).where(*dead)
            ).scalar_one()
            size = connection.execute(
                select(func.coalesce(func.sum(func.length(Chunk.data)), 0))
                .join(StoredFile, StoredFile.id == Chunk.file_id)
                .join(Submission, Submission.id == StoredFile.submission_id)
                .where(*dead)
            ).scalar_one()
    finally:
        engine.dispose()
    return ids, int(size), int(latest or 0)


def lookup_ids(url: str) -> dict[str, str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(Submission.receipt_lookup_id, Submission.id).where(
                    Submission.receipt_lookup_id.is_not(None)
                )
            ).all()
    finally:
        engine.dispose()
    return {str(lookup): str(submission) for lookup, submission in rows}


def bundle_contents(
    bundle: Path, identity: keys.X25519Identity
) -> dict[str, tuple[int | None, list[str] | None]]:
    """Per submission id in the bundle: its report's serial and its files' SHA-256 (None if bad)."""
    contents: dict[str, tuple[int | None, list[str] | None]] = {}
    with tarfile.open(bundle) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        names = set(tar.getnames())
        for entry in manifest["submissions"]:
            prefix = f"submissions/{entry['id']}/"
            try:
                sealed = tar.extractfile(prefix + "report.age")
                assert sealed is not None
                report = json.loads(keys.decrypt(sealed.read(), identities=[identity]))
                match = NARRATIVE.fullmatch(report["answers"]["narrative"])
                serial = int(match.group(1)) if match else None
                digests = []
                attachments = sum(name.startswith(prefix + "attachment-") for name in names)
                for number in range(1, 1 + attachments):
                    member = tar.extractfile(f"{prefix}attachment-{number:03}.age")
                    assert member is not None
                    plain = keys.decrypt(member.read(), identities=[identity])
                    digests.append(hashlib.sha256(plain).hexdigest())
            except Exception:  # any failure to open it whole makes it a partial one
                contents[entry["id"]] = (None, None)
                continue
            contents[entry["id"]] = (serial, digests)
    return contents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--small", action="store_true", help="large files of 5-10 MiB, not 20-100")
    parser.add_argument("--seed", type=int, default=int.from_bytes(os.urandom(4), "big"))
    parser.add_argument("--database-url", help="an existing, empty PostgreSQL database")
    arguments = parser.parse_args()
    chooser = random.Random(arguments.seed)

    with tempfile.TemporaryDirectory() as work:
        data_dir = Path(work) / "data"
        env = {**os.environ, "HAVEN_STAGED_LEASE_SECONDS": str(LEASE_SECONDS)}
        if arguments.database_url:
            env["HAVEN_DATABASE_URL"] = arguments.database_url
        haven = [sys.executable, "-c", "from haven.cli import main; main()"]
        subprocess.run([*haven, "intake", "init", "--data-dir", str(data_dir)],
                       check=True, capture_output=True, env=env)  # fmt: skip
        identity = keys.X25519Identity.generate()
        recipients = data_dir / "recipients.txt"
        recipients.write_text(f"{identity.recipient()}\n")
        recipients.chmod(0o600)
        url = database_url(env, data_dir)

        intake = Intake(data_dir, free_port(), env, Path(work) / "intake.log")
        tally, stop = Tally(), threading.Event()
        serials = iter(range(10**9))
        kinds: dict[str, int] = {"worker": 0, "all": 0}
        # Staged submissions found with every intake process dead, and the most bytes.
        left: set[str] = set()
        peak_dead_bytes = 0
        intake.start()
        threads = [
            threading.Thread(target=reporter, args=(intake.port, serials, tally, stop,
                                                    arguments.seed, arguments.small))
            for _ in range(REPORTERS)
        ]  # fmt: skip
        for thread in threads:
            thread.start()
        try:
            for _ in range(arguments.kills):
                # A random moment: early in an upload, mid-way through a large one, at publication.
                time.sleep(chooser.uniform(0.1, 1.5 if arguments.small else 4.0))
                kind = intake.kill(chooser)
                kinds[kind] += 1
                if kind == "all":
                    found, size, _ = leftovers(url)
                    left |= found
                    peak_dead_bytes = max(peak_dead_bytes, size)
                    intake.start()
                else:
                    deadline = time.monotonic() + PATIENCE_SECONDS
                    while len(intake.workers()) < 2 and time.monotonic() < deadline:
                        time.sleep(0.05)
        finally:
            stop.set()
            for thread in threads:
                thread.join()
            intake.stop()

        found, size, latest_lease = leftovers(url)
        left |= found
        peak_dead_bytes = max(peak_dead_bytes, size)
        # Once every lease has run out, the next start collects what is left.
        while time.time() <= latest_lease + 1:
            time.sleep(0.2)
        intake.start()
        intake.stop()
        remaining, bytes_after, _ = leftovers(url)

        bundle = Path(work) / "bundle.tar"
        pickup = [*haven, "intake", "pickup", "--data-dir", str(data_dir), "--out", str(bundle)]
        subprocess.run(pickup, check=True, capture_output=True, env=env)
        contents = bundle_contents(bundle, identity)
        pepper = read_secret_file(data_dir / RECEIPT_PEPPER_FILE)
        by_lookup = lookup_ids(url)

    receipts = [sent for sent in tally.sent.values() if sent.code is not None]
    receipted = {sent.serial for sent in receipts}
    whole = 0
    for sent in receipts:
        assert sent.code is not None
        lookup = derive_receipt_keys(sent.code, pepper=pepper, cost=PRODUCTION_COST).lookup_id
        submission = by_lookup.get(lookup)
        if submission is not None and contents.get(submission) == (sent.serial, sent.file_digests):
            whole += 1
    # A submission the harness sent whole, published but killed before its answer
    # went out, is whole without a receipt; anything else not matching is partial.
    partial = sum(
        1 for serial, digests in contents.values()
        if serial is None or serial not in tally.sent or not tally.sent[serial].body_sent
        or tally.sent[serial].file_digests != digests
    )  # fmt: skip
    unacknowledged = sum(
        1 for serial, _digests in contents.values()
        if serial is not None and serial not in receipted
    ) - partial  # fmt: skip
    database = "PostgreSQL" if arguments.database_url else "SQLite"
    print(f"crash harness on {database}, seed {arguments.seed}, "
          f"{'small' if arguments.small else 'full'} sizes")  # fmt: skip
    print(f"  kills: {arguments.kills} ({kinds['worker']} of one worker, "
          f"{kinds['all']} of the master and every worker)")  # fmt: skip
    print(f"  uploads cut off by a kill: {tally.cut_off}; connections refused while down: "
          f"{tally.not_connected}; other answers: "
          f"{dict(sorted(tally.refused.items())) or 'none'}")  # fmt: skip
    print(f"  receipts: {len(receipts)}")
    print(f"  whole submissions (receipt opens it, it decrypts and matches): {whole}")
    print(f"  submissions in the pickup bundle: {len(contents)} "
          f"({unacknowledged} whole but killed before their receipt was sent)")  # fmt: skip
    print(f"  partial seen: {partial}")
    print(f"  staged leftovers found with intake down: {len(left)}; "
          f"most dead ciphertext at once: {peak_dead_bytes} bytes")  # fmt: skip
    print(f"  leftovers collected: {len(left - remaining)}")
    print(f"  dead ciphertext bytes at the end: {bytes_after}")
    failed = whole != len(receipts) or partial or remaining or bytes_after
    if failed:
        raise SystemExit("crash harness: FAILED")
    print("crash harness: OK")


if __name__ == "__main__":
    main()
