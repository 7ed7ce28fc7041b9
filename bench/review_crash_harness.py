"""Review crash harness: SIGKILL import, export and triage writes, many times; nothing torn.

Against a workspace made as a reviewer makes one (`haven review init`,
`trust-intake`, `add-reviewer`), the harness runs each operation in a child
process and SIGKILLs its whole process group, either after a random delay
(drawn up to the last unkilled run of the same operation) or the moment a
chosen point is reached (a deterministic hook, found by polling the workspace's
files):

- `haven review import BUNDLE` of signed pickup bundles (tests/review/bundles.py)
  of three sizes: one report; four reports with attachments of 50-300 KiB; two
  reports with attachments of 8-24 MiB (2-4 MiB with --small). Hooks: staged
  files appear; objects are moved into the store (before the commit).
- `haven review export CASE --out PKG` of a case with MiBs of attachments, as a
  bag or sealed to an age recipient (--to). Hooks: the work folder appears;
  decrypted originals are in it; it is bagged; the age file is being written.
- triage writes through `haven review serve` (gunicorn): unlock over HTTP, then
  notes, status and priority, tags and links posted as the browser posts them,
  while the server (master and worker) is killed.

After every kill it checks: the workspace opens; `haven review audit verify`
passes; each bundle is recorded as imported iff every one of its submissions is
there with every file, each object's bytes hash to its name, and no submission
of an unrecorded bundle is visible; nothing but a whole, verifying package is at
an export's output name; the triage rows agree with the audit log (one note per
"note" entry, status and priority as the last entries say, links as the last
link or unlink says, on both cases) and every acknowledged change is there.
Then it RETRIES the killed operation and checks that it succeeds as an unkilled
run does: the import once more changes nothing (idempotent) and the staged files
and orphaned objects are gone; the export verifies (`haven review verify`, and
`bagit.py --validate` for a bag), holds the same originals as an unkilled
export, and no work folder is left; the triage change is present exactly once.
At the end, every recorded export has its package or an export-failed entry.

It prints the counts (kills per operation and moment, retries succeeded,
inconsistencies, leftovers found and collected) and exits non-zero if any check
fails.

    python bench/review_crash_harness.py [--kills 50] [--small] [--seed N]
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import io
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

from intake_write import MIB, free_port  # noqa: E402
from sqlalchemy import select  # noqa: E402

import keys  # noqa: E402
from review.export.workdir import SUFFIX as WORK_SUFFIX  # noqa: E402
from review.session.unlock import MIN_WORK_FACTOR  # noqa: E402
from review.triage.changes import Casework  # noqa: E402
from review.triage.record import STATUSES  # noqa: E402
from review.workspace.audit import facts_of  # noqa: E402
from review.workspace.models import AuditEntry, Bundle, StoredFile, Submission  # noqa: E402
from review.workspace.store import OBJECTS_DIR, STAGING_DIR, Workspace, file_sha256  # noqa: E402
from tests.review.bundles import INTAKE_KEY, BundleWriter, encrypted_submission  # noqa: E402
from tests.review.reviewers import PASSPHRASE  # noqa: E402

KIB = 1 << 10
REVIEWER = "alice"
OPERATIONS = ("import", "export", "triage")
# How long anything may take on a loaded machine before the harness gives up.
PATIENCE_SECONDS = 300
POLL_SECONDS = 0.005
ANSWERS = {"categories": ["surveillance"], "consent": ["lawyers", "ngos"],
           "police_country": "", "contact_details": "+44 7700 900123"}
WROTE = re.compile(r"Wrote evidence package ([0-9a-f]{32})")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Inconsistent(Exception):
    """A check found the workspace in a state a crash must never leave."""


@dataclass
class Tally:
    kills: Counter[str] = field(default_factory=Counter)
    moments: Counter[str] = field(default_factory=Counter)
    missed: Counter[str] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)
    found: Counter[str] = field(default_factory=Counter)
    collected: Counter[str] = field(default_factory=Counter)
    # Export rounds whose package was sealed to an age recipient (--to), not a bag.
    sealed: int = 0
    inconsistencies: list[str] = field(default_factory=list)


class Harness:
    """The workspace, the reviewer's files and the haven command line, in one temporary folder."""

    def __init__(self, work: Path, *, small: bool, chooser: random.Random) -> None:
        self.work, self.small, self.chooser = work, small, chooser
        self.root = work / "workspace"
        self.packages = work / "packages"
        self.packages.mkdir()
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.haven = [sys.executable, "-c", "from haven.cli import main; main()"]
        self.identity = keys.X25519Identity.generate()
        # The command line and the unlock page demand the production work factor.
        self.identity_file = work / "alice.identity.age"
        keys.write_identity_file(self.identity_file, [self.identity], passphrase=PASSPHRASE,
                                 work_factor=MIN_WORK_FACTOR)
        self.passphrase_file = work / "alice.passphrase"
        self.passphrase_file.write_text(PASSPHRASE + "\n", encoding="utf-8")
        # The legal team's key for sealed (--to) packages, and its identity file for verify.
        self.legal = keys.X25519Identity.generate()
        self.legal_file = work / "legal.identity.age"
        keys.write_identity_file(self.legal_file, [self.legal], passphrase=PASSPHRASE,
                                 work_factor=10)
        # bundle id -> submission id -> its files as the manifest declares them
        self.bundles: dict[str, dict[str, set[tuple[str, str, int, str]]]] = {}
        self.last_run: dict[str, float] = {}
        self.log = work / "children.log"

    # -- running haven ---------------------------------------------------------------

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self.haven, *args], env=self.env, capture_output=True,
                              text=True, timeout=PATIENCE_SECONDS, check=False)

    def must(self, *args: str) -> str:
        started = time.monotonic()
        done = self.run(*args)
        if done.returncode != 0:
            raise Inconsistent(f"`haven {' '.join(args[:2])}` failed: {done.stdout}{done.stderr}")
        self.last_run[args[1]] = time.monotonic() - started
        return done.stdout

    def spawn(self, *args: str) -> subprocess.Popen[bytes]:
        with self.log.open("ab") as log:
            # Its own process group, so a kill reaches bagit's child and gunicorn's worker.
            return subprocess.Popen([*self.haven, *args], env=self.env, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)

    def kill_at(self, process: subprocess.Popen[bytes], operation: str,
                hooks: dict[str, Callable[[], bool]], tally: Tally) -> bool:
        """SIGKILL `process` at a hook or after a random delay; True if it was still running."""
        moment = self.chooser.choice(["random delay", *hooks])
        ready = hooks.get(moment)
        deadline = time.monotonic() + (self.chooser.uniform(0.0, self.last_run[operation])
                                       if ready is None else PATIENCE_SECONDS)
        while process.poll() is None and not (ready() if ready else time.monotonic() >= deadline):
            time.sleep(POLL_SECONDS)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(PATIENCE_SECONDS)
        if process.returncode != -signal.SIGKILL:
            tally.missed[operation] += 1  # it finished first: not a kill, try again
            return False
        tally.kills[operation] += 1
        tally.moments[f"{operation}: {moment}"] += 1
        return True

    # -- the workspace -----------------------------------------------------------------

    def create(self) -> None:
        self.must("review", "init", "--workspace", str(self.root))
        self.must("review", "trust-intake", "--workspace", str(self.root),
                  str(INTAKE_KEY.public_key()))
        self.must("review", "add-reviewer", "--workspace", str(self.root), "--name", REVIEWER,
                  "--recipient", str(self.identity.recipient()))

    def bundle(self, kind: str, *, serial: int) -> tuple[str, Path]:
        """A signed bundle of `kind`; its id and where it is written."""
        recipients = [self.identity.recipient()]
        large = (2 * MIB, 4 * MIB) if self.small else (8 * MIB, 24 * MIB)
        shapes: dict[str, list[list[int]]] = {"one report": [[]],
                  "four reports": [[self.chooser.randint(50 * KIB, 300 * KIB)
                                    for _ in range(self.chooser.randint(1, 2))]
                                   for _ in range(4)],
                  "MiB attachments": [[self.chooser.randint(*large)] for _ in range(2)]}
        submissions = [
            encrypted_submission(
                {**ANSWERS, "narrative": f"crash harness report {serial}.{number}"},
                recipients=recipients,
                attachments=[(f"file-{index}.bin", "application/octet-stream",
                              random.Random(f"{serial}/{number}/{index}").randbytes(size))
                             for index, size in enumerate(sizes)])
            for number, sizes in enumerate(shapes[kind])
        ]
        writer = BundleWriter(submissions)
        manifest = writer.manifest()
        self.bundles[manifest["bundle_id"]] = {
            entry["id"]: {(f["name"], f["kind"], f["size"], f["sha256"]) for f in entry["files"]}
            for entry in manifest["submissions"]
        }
        return manifest["bundle_id"], writer.write(self.work / f"bundle-{serial}.tar")

    def opened(self) -> Workspace:
        try:
            return Workspace.open(self.root)
        except Exception as error:
            raise Inconsistent(f"the workspace does not open: {error}") from None

    def check(self, *, hashed: frozenset[str] = frozenset(), package: Path | None = None) -> None:
        """Every check a kill must leave holding.

        The objects of the bundles in `hashed` are hashed again; `package`, if
        anything is at that name, must be a whole package.
        """
        with self.opened() as workspace:
            self.check_imports(workspace, hashed)
            self.check_triage(workspace)
        verified = self.run("review", "audit", "verify", "--workspace", str(self.root))
        if verified.returncode != 0:
            raise Inconsistent(f"audit verify failed: {verified.stdout}{verified.stderr}")
        if package is not None and package.exists():
            self.check_package(package)

    def check_imports(self, workspace: Workspace, hashed: frozenset[str]) -> None:
        with workspace.sessions() as session:
            recorded = set(session.scalars(select(Bundle.id)))
            imported = {entry.subject.removeprefix("bundle:") for entry in session.scalars(
                select(AuditEntry).where(AuditEntry.action == "import"))}
            for bundle_id, submissions in self.bundles.items():
                present = {}
                for submission_id in submissions:
                    row = session.get(Submission, submission_id)
                    if row is not None:
                        present[submission_id] = {(f.name, f.kind, f.size, f.sha256)
                                                  for f in row.files}
                if (bundle_id in recorded) != (bundle_id in imported):
                    raise Inconsistent(f"bundle {bundle_id}: recorded and audited disagree")
                if bundle_id not in recorded:
                    if present:
                        raise Inconsistent(f"bundle {bundle_id} is not recorded, yet "
                                           f"{len(present)} of its submissions are visible")
                    continue
                if present != submissions:
                    raise Inconsistent(f"bundle {bundle_id} is recorded but not all of it is in")
                for files in submissions.values():
                    for _name, _kind, _size, sha256 in files:
                        path = workspace.object_path(sha256)
                        if not path.is_file():
                            raise Inconsistent(f"bundle {bundle_id}: object {sha256} missing")
                        if bundle_id in hashed and file_sha256(path) != sha256:
                            raise Inconsistent(f"bundle {bundle_id}: object {sha256} damaged")

    def import_leftovers(self) -> int:
        """Staged entries and objects no file row names (what a killed import leaves)."""
        staged = len(list((self.root / STAGING_DIR).iterdir()))
        with Workspace.open(self.root) as workspace, workspace.sessions() as session:
            referenced = set(session.scalars(select(StoredFile.sha256)))
        orphans = sum(p.name not in referenced for p in (self.root / OBJECTS_DIR).glob("*/*"))
        return staged + orphans

    # -- import -------------------------------------------------------------------------

    def import_round(self, serial: int, tally: Tally) -> None:
        kind = self.chooser.choice(["one report", "four reports", "MiB attachments"])
        bundle_id, bundle = self.bundle(kind, serial=serial)
        objects = self.root / OBJECTS_DIR
        before = len(list(objects.glob("*/*")))
        hooks = {"staged files appear": lambda: any((self.root / STAGING_DIR).iterdir()),
                 "objects move into the store": lambda: len(list(objects.glob("*/*"))) > before}
        command = ("review", "import", str(bundle), "--workspace", str(self.root))
        while not self.kill_at(self.spawn(*command), "import", hooks, tally):
            # It finished first: a fresh bundle, so that the kill lands mid-import.
            serial += 10_000
            bundle_id, bundle = self.bundle(kind, serial=serial)
            command = ("review", "import", str(bundle), "--workspace", str(self.root))
            before = len(list(objects.glob("*/*")))
        self.check(hashed=frozenset({bundle_id}))
        left = self.import_leftovers()
        tally.found["import: staged files and orphaned objects"] += left
        first = self.must(*command)
        if "new submission" not in first:
            raise Inconsistent(f"the retried import said: {first}")
        again = self.must(*command)
        added = re.search(r"Imported bundle [0-9a-f]+: (\d+) new", again)
        if added is None or added.group(1) != "0":
            raise Inconsistent(f"importing the bundle again was not idempotent: {again}")
        remaining = self.import_leftovers()
        tally.collected["import: staged files and orphaned objects"] += left - remaining
        if remaining:
            raise Inconsistent(f"{remaining} staged files or orphaned objects after the retry")
        self.check(hashed=frozenset({bundle_id}))
        tally.retries["import"] += 1

    # -- export -------------------------------------------------------------------------

    def export_command(self, case_id: str, out: Path, sealed: bool) -> tuple[str, ...]:
        return ("review", "export", case_id, "--workspace", str(self.root),
                "--for", "Counsel for the family", "--purpose", "crash harness",
                "--out", str(out), "--identity", str(self.identity_file),
                "--passphrase-file", str(self.passphrase_file),
                *(("--to", str(self.legal.recipient())) if sealed else ()))

    def work_folders(self) -> list[Path]:
        return [p for p in self.packages.iterdir() if p.name.endswith(WORK_SUFFIX)]

    def originals(self, out: Path) -> list[str]:
        """The manifest lines of a package's originals (the same bytes in every export)."""
        if out.is_dir():
            bag = out
        else:
            opened = self.work / "opened"
            shutil.rmtree(opened, ignore_errors=True)
            opened.mkdir()
            plaintext = keys.decrypt(out.read_bytes(), identities=[self.legal])
            with tarfile.open(fileobj=io.BytesIO(plaintext)) as tar:
                tar.extractall(opened, filter="data")
            (bag,) = [p for p in opened.iterdir() if p.is_dir()]
        lines = (bag / "manifest-sha256.txt").read_text(encoding="utf-8").splitlines()
        return sorted(line for line in lines if " data/originals/" in line)

    def check_package(self, out: Path) -> None:
        """A package at its output name is whole: it verifies, as a bag it validates."""
        extra = () if out.is_dir() else ("--identity", str(self.legal_file),
                                         "--passphrase-file", str(self.passphrase_file))
        verified = self.run("review", "verify", str(out), *extra)
        if verified.returncode != 0:
            raise Inconsistent(f"{out.name} is at its name but does not verify: "
                               f"{verified.stdout}{verified.stderr}")
        if out.is_dir():
            validated = subprocess.run(["bagit.py", "--validate", str(out)], capture_output=True,
                                       text=True, timeout=PATIENCE_SECONDS, check=False)
            if validated.returncode != 0:
                raise Inconsistent(f"{out.name} fails bagit.py --validate: {validated.stderr}")

    def export_round(self, serial: int, case_id: str, reference: list[str], tally: Tally) -> None:
        sealed = self.chooser.random() < 0.35
        out = self.packages / f"package-{serial}{'.age' if sealed else ''}"
        command = self.export_command(case_id, out, sealed)

        def inside(*parts: str) -> Callable[[], bool]:
            return lambda: any(w.joinpath(*parts).exists() for w in self.work_folders())

        def originals_written() -> bool:
            return any(any(w.glob("bag/originals/*")) for w in self.work_folders())

        hooks = {"the work folder appears": lambda: bool(self.work_folders()),
                 "decrypted originals are written": originals_written,
                 "the payload is bagged": inside("bag", "bagit.txt")}
        if sealed:
            hooks["the age file is written"] = inside("package.age")
        while not self.kill_at(self.spawn(*command), "export", hooks, tally):
            # It finished whole (checked below with every package); the next one is killed.
            serial += 10_000
            out = self.packages / f"package-{serial}{'.age' if sealed else ''}"
            command = self.export_command(case_id, out, sealed)
        self.check(package=out)
        left = len(self.work_folders())
        tally.found["export: work folders"] += left
        if not out.exists():
            wrote = WROTE.search(self.must(*command))
            if wrote is None:
                raise Inconsistent("the retried export did not say what it wrote")
        remaining = len(self.work_folders())
        tally.collected["export: work folders"] += left - remaining
        if remaining:
            raise Inconsistent(f"{remaining} work folders left after the retried export")
        self.check_package(out)
        if self.originals(out) != reference:
            raise Inconsistent(f"{out.name} holds other originals than an unkilled export")
        tally.retries["export"] += 1
        tally.sealed += sealed

    def check_export_outcomes(self) -> None:
        """Every recorded export has its package at its name or an export-failed entry."""
        with Workspace.open(self.root) as workspace, workspace.sessions() as session:
            entries = list(session.scalars(select(AuditEntry)))
        recorded = {facts_of(e)["export"] for e in entries if e.action == "export"}
        failed = {facts_of(e)["export"] for e in entries if e.action == "export-failed"}
        placed = len([p for p in self.packages.iterdir() if not p.name.endswith(WORK_SUFFIX)])
        if len(recorded) != len(failed & recorded) + placed:
            raise Inconsistent(f"{len(recorded)} exports recorded, {len(failed)} failed and "
                               f"{placed} packages placed")

    # -- triage ------------------------------------------------------------------------

    def check_triage(self, workspace: Workspace) -> None:
        casework = Casework(workspace, REVIEWER, (self.identity,))
        with workspace.sessions() as session:
            entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
            case_ids = set(session.scalars(select(Submission.id)))
        triage = casework.load({}, case_ids)
        by_case: dict[str, list[AuditEntry]] = {}
        for entry in entries:
            if entry.subject.startswith("case:"):
                by_case.setdefault(entry.subject.removeprefix("case:"), []).append(entry)
        for case_id, record in triage.items():
            history = by_case.get(case_id, [])
            notes = sum(e.action == "note" for e in history)
            if notes != len(record.sealed.notes):
                raise Inconsistent(f"case {case_id}: {len(record.sealed.notes)} notes, "
                                   f"{notes} note entries in the audit log")
            for action, value in (("status", record.status), ("priority", str(record.priority))):
                last = [e.detail for e in history if e.action == action][-1:]
                if last and last[0] != value:
                    raise Inconsistent(f"case {case_id}: {action} {value}, the log says {last}")
            links: set[str] = set()
            for entry in history:
                if entry.action == "link":
                    links.add(entry.detail)
                elif entry.action == "unlink":
                    links.discard(entry.detail)
            if links != set(record.sealed.links):
                raise Inconsistent(f"case {case_id}: links {sorted(record.sealed.links)}, "
                                   f"the log says {sorted(links)}")

    def triage_round(self, serial: int, cases: tuple[str, str, str], tally: Tally) -> None:
        server = Reviewing(self, free_port())
        server.start()
        writer = TriageWriter(server, self, cases, serial)
        thread = threading.Thread(target=writer.run, daemon=True)
        thread.start()
        # A random moment among the writes, or right after the k-th is acknowledged.
        moment = self.chooser.choice(["random delay", "after an acknowledged change"])
        if moment == "random delay":
            wait_until(lambda: writer.unlocked.is_set() or writer.failed is not None, "unlock")
            time.sleep(self.chooser.uniform(0.0, 1.5))
        else:
            count = self.chooser.randint(1, 6)
            wait_until(lambda: writer.acknowledged >= count or writer.failed is not None,
                       "acknowledged changes")
        server.kill()
        thread.join(PATIENCE_SECONDS)
        # The kill shows as a refused or cut connection, or a response cut short; an
        # HTTP error status (urllib's HTTPError is an OSError too) is the app's answer.
        cut = isinstance(writer.failed, OSError | http.client.HTTPException)
        if writer.failed is not None and (not cut or isinstance(writer.failed,
                                                                 urllib.error.HTTPError)):
            raise Inconsistent(f"a triage write was answered wrongly: {writer.failed}")
        tally.kills["triage"] += 1
        tally.moments[f"triage: {moment}"] += 1
        self.check()
        acknowledged = standing(writer.acknowledged_changes)
        in_flight = writer.in_flight
        with self.opened() as workspace:
            for change in acknowledged:
                # The change in flight at the kill may have replaced the last acknowledged one.
                replaced = (in_flight is not None and in_flight.setting == change.setting
                            and in_flight.present(self, workspace))
                if not (change.present(self, workspace) or replaced):
                    raise Inconsistent(f"an acknowledged change is lost: {change}")
        # The retry: the change in flight at the kill, sent again unless it is there.
        server = Reviewing(self, free_port())
        server.start()
        try:
            retry = TriageWriter(server, self, cases, serial)
            retry.unlock()
            if in_flight is not None:
                with self.opened() as workspace:
                    there = in_flight.present(self, workspace)
                if not there:
                    retry.send(in_flight)
        finally:
            server.stop()
        with self.opened() as workspace:
            for change in standing([*writer.acknowledged_changes, *filter(None, [in_flight])]):
                if not change.present(self, workspace):
                    raise Inconsistent(f"after the retry, not present exactly once: {change}")
        self.check()
        tally.retries["triage"] += 1


@dataclass
class Change:
    """One triage write as the browser posts it, and how to find it in the workspace."""

    case_id: str
    path: str
    form: dict[str, str]
    what: str

    @property
    def setting(self) -> str:
        """What it sets: a later change of the same setting replaces it (a note is its own)."""
        if self.what == "note":
            return self.form["note"]
        return "link" if self.what == "unlink" else self.what

    def present(self, harness: Harness, workspace: Workspace) -> bool:
        """Whether the workspace holds it: a note exactly once, a setting at its value."""
        casework = Casework(workspace, REVIEWER, (harness.identity,))
        record = casework.load({}, {self.case_id})[self.case_id]
        if self.what == "note":
            return sum(n.text == self.form["note"] for n in record.sealed.notes) == 1
        if self.what == "triage":
            return (record.status, str(record.priority)) == (self.form["status"],
                                                             self.form["priority"])
        if self.what == "tags":
            return ",".join(record.sealed.tags) == self.form["tags"]
        return (self.form["other"] in record.sealed.links) == (self.what == "link")


def standing(changes: list[Change]) -> list[Change]:
    """The changes that must hold after `changes` in order: every note, the last of each setting."""
    return list({change.setting: change for change in changes}.values())


class Reviewing:
    """`haven review serve` on one port, in its own process group."""

    def __init__(self, harness: Harness, port: int) -> None:
        self.harness, self.port = harness, port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = self.harness.spawn("review", "serve", "--workspace",
                                          str(self.harness.root), "--port", str(self.port))
        wait_until(self.answers, "the review app starts", self.process)

    def answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/unlock", timeout=30):
                return True
        except OSError:
            return False

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(PATIENCE_SECONDS)

    def stop(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(PATIENCE_SECONDS)


class TriageWriter:
    """A browser that unlocks and then writes triage until the server goes away."""

    def __init__(self, server: Reviewing, harness: Harness, cases: tuple[str, str, str],
                 serial: int) -> None:
        self.base = f"http://127.0.0.1:{server.port}"
        self.identity_file = harness.identity_file.read_bytes()
        self.cases, self.serial = cases, serial
        self.chooser = random.Random(harness.chooser.random())
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        # What every current browser sends on the app's own pages (review/web/same_origin.py).
        self.opener.addheaders = [("Sec-Fetch-Site", "same-origin")]
        self.unlocked = threading.Event()
        self.acknowledged = 0
        self.acknowledged_changes: list[Change] = []
        self.in_flight: Change | None = None
        self.failed: BaseException | None = None
        self.token = ""

    def run(self) -> None:
        try:
            self.unlock()
            for number in range(10**6):
                change = self.next_change(number)
                self.in_flight = change
                self.send(change)
                self.acknowledged_changes.append(change)
                self.in_flight = None
                self.acknowledged += 1
        except BaseException as error:  # the kill ends the loop; the caller judges the error
            self.failed = error

    def unlock(self) -> None:
        token = self.csrf("/unlock")
        boundary = secrets.token_hex(16)
        parts = [(f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
                  f"{token}\r\n").encode(),
                 (f'--{boundary}\r\nContent-Disposition: form-data; name="passphrase"\r\n\r\n'
                  f"{PASSPHRASE}\r\n").encode(),
                 (f'--{boundary}\r\nContent-Disposition: form-data; name="identity"; '
                  'filename="key.age"\r\nContent-Type: application/octet-stream\r\n\r\n').encode()
                 + self.identity_file + b"\r\n",
                 f"--{boundary}--\r\n".encode()]
        request = urllib.request.Request(
            f"{self.base}/unlock", data=b"".join(parts), method="POST",
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        with self.opener.open(request, timeout=PATIENCE_SECONDS) as response:
            if not response.url.endswith("/"):
                raise Inconsistent(f"unlock did not lead to the inbox but to {response.url}")
        self.token = self.csrf(f"/case/{self.cases[0]}")
        self.unlocked.set()

    def csrf(self, path: str) -> str:
        with self.opener.open(f"{self.base}{path}", timeout=PATIENCE_SECONDS) as response:
            match = CSRF.search(response.read().decode())
        if match is None:
            raise Inconsistent(f"no CSRF token on {path}")
        return match.group(1)

    def next_change(self, number: int) -> Change:
        noted, moved, linked = self.cases
        kind = self.chooser.choice(["note", "triage", "tags", "link"])
        mark = f"{self.serial}.{number}"
        if kind == "note":
            return Change(noted, f"/case/{noted}/note",
                          {"note": f"crash harness note {mark}"}, "note")
        if kind == "triage":
            return Change(moved, f"/case/{moved}/triage",
                          {"status": self.chooser.choice(STATUSES),
                           "priority": str(self.chooser.randint(0, 2)), "assignee": ""}, "triage")
        if kind == "tags":
            return Change(noted, f"/case/{noted}/tags", {"tags": f"harness-{mark}"}, "tags")
        if self.chooser.random() < 0.5:
            return Change(noted, f"/case/{noted}/link", {"other": linked}, "link")
        return Change(noted, f"/case/{noted}/unlink/{linked}", {"other": linked}, "unlink")

    def send(self, change: Change) -> None:
        form = {"csrf_token": self.token, **change.form}
        if change.what == "unlink":
            form = {"csrf_token": self.token}
        request = urllib.request.Request(f"{self.base}{change.path}", method="POST",
                                         data=urllib.parse.urlencode(form).encode())
        # Answered with a redirect to the case page, which shows the outcome.
        with self.opener.open(request, timeout=PATIENCE_SECONDS) as response:
            page = response.read().decode()
        if not response.url.endswith(f"/case/{change.case_id}") or 'class="flash error' in page:
            raise Inconsistent(f"{change} was not saved ({response.url})")


def wait_until(condition: Callable[[], bool], what: str,
               process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + PATIENCE_SECONDS
    while not condition():
        if process is not None and process.poll() is not None:
            raise SystemExit(f"waiting for {what}: the process exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise SystemExit(f"waiting for {what}: gave up after {PATIENCE_SECONDS} s")
        time.sleep(0.02)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--small", action="store_true",
                        help="attachments of at most 4 MiB, not 24")
    parser.add_argument("--seed", type=int, default=int.from_bytes(os.urandom(4), "big"))
    arguments = parser.parse_args()
    chooser = random.Random(arguments.seed)
    tally = Tally()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as work:
        harness = Harness(Path(work), small=arguments.small, chooser=chooser)
        harness.create()
        # The cases export and triage work on, imported unkilled (it also times an import).
        base_id, base = harness.bundle("MiB attachments", serial=0)
        harness.must("review", "import", str(base), "--workspace", str(harness.root))
        extra_id, extra = harness.bundle("one report", serial=1)
        harness.must("review", "import", str(extra), "--workspace", str(harness.root))
        exported, noted = sorted(harness.bundles[base_id])
        (linked,) = harness.bundles[extra_id]
        reference_out = harness.packages / "reference"
        harness.must(*harness.export_command(exported, reference_out, False))
        reference = harness.originals(reference_out)
        harness.check_package(reference_out)
        schedule = [OPERATIONS[n % 3] for n in range(arguments.kills)]
        chooser.shuffle(schedule)
        try:
            for serial, operation in enumerate(schedule, 2):
                if operation == "import":
                    harness.import_round(serial, tally)
                elif operation == "export":
                    harness.export_round(serial, exported, reference, tally)
                else:
                    harness.triage_round(serial, (noted, exported, linked), tally)
            harness.check_export_outcomes()
        except Inconsistent as found:
            tally.inconsistencies.append(str(found))
        report(arguments, tally, time.monotonic() - started)


def report(arguments: argparse.Namespace, tally: Tally, seconds: float) -> None:
    kills = sum(tally.kills.values())
    print(f"review crash harness, seed {arguments.seed}, "
          f"{'small' if arguments.small else 'full'} sizes, {seconds:.0f} s")
    print(f"  kills: {kills} (" + ", ".join(f"{tally.kills[o]} {o}" for o in OPERATIONS) + ")")
    for moment, count in sorted(tally.moments.items()):
        print(f"    {moment}: {count}")
    print(f"  exports sealed with --to: {tally.sealed} of {tally.retries['export']}")
    print("  runs that finished before their kill (not counted, run again): "
          + (", ".join(f"{n} {o}" for o, n in sorted(tally.missed.items())) or "none"))
    retried = sum(tally.retries.values())
    print(f"  retries succeeded: {retried} ("
          + ", ".join(f"{tally.retries[o]} {o}" for o in OPERATIONS) + ")")
    print(f"  inconsistencies found: {len(tally.inconsistencies)}")
    for problem in tally.inconsistencies:
        print(f"    {problem}")
    for kind in sorted(set(tally.found) | set(tally.collected)):
        print(f"  leftovers ({kind}): {tally.found[kind]} found, "
              f"{tally.collected[kind]} collected")
    if tally.inconsistencies or retried != kills or kills != arguments.kills:
        raise SystemExit("review crash harness: FAILED")
    print("review crash harness: OK")


if __name__ == "__main__":
    main()
