"""The two command lines around a check-back: the intake operator's and a reviewer's.

Every step runs `haven` as its own process, exactly as an operator types it, so
the test crosses the same file boundary (pickup bundle one way, reply bundle
the other) that intake/ and review/ meet at in production.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keys
from review.session.unlock import MIN_WORK_FACTOR
from tests.browser.sites import Intake
from tests.support import WAIT_SECONDS

HAVEN = (sys.executable, "-c", "from haven.cli import main; main()")
PASSPHRASE = "correct horse battery staple"
REVIEWER = "alice"


def haven(*args: str) -> str:
    """Run `haven ARGS...` and return what it printed, failing with its output if it fails."""
    done = subprocess.run([*HAVEN, *args], capture_output=True, text=True, timeout=WAIT_SECONDS)
    assert done.returncode == 0, f"haven {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout


@dataclass(frozen=True)
class Operator:
    """The intake operator: picks up, trusts a reviewer's signing key, loads replies."""

    intake: Intake

    def option(self) -> tuple[str, str]:
        return "--data-dir", str(self.intake.data_dir)

    def pickup(self, out: Path) -> Path:
        haven("intake", "pickup", *self.option(), "--out", str(out))
        return out

    def signing_key(self) -> str:
        return haven("intake", "signing-key", *self.option()).strip()

    def trust(self, key_line: str) -> None:
        haven("intake", "trust-reviewer", *self.option(), key_line)

    def load_replies(self, bundle: Path) -> str:
        return haven("intake", "load-replies", *self.option(), str(bundle))


class Reviewer:
    """alice, in a workspace that pins this intake's key, holding the intake's reviewer key."""

    def __init__(self, directory: Path, operator: Operator) -> None:
        self.directory = directory
        self.workspace = directory / "workspace"
        self.identity_file = directory / f"{REVIEWER}.identity.age"
        # The lowest work factor the review command line accepts: the real passphrase path.
        keys.write_identity_file(
            self.identity_file,
            [operator.intake.reviewer],
            passphrase=PASSPHRASE,
            work_factor=MIN_WORK_FACTOR,
        )
        self.passphrase_file = directory / f"{REVIEWER}.passphrase"
        self.passphrase_file.write_text(PASSPHRASE + "\n", encoding="utf-8")
        self._review("init", "--intake-key", operator.signing_key())
        recipient = str(operator.intake.reviewer.recipient())
        self._review("add-reviewer", "--name", REVIEWER, "--recipient", recipient)

    def _review(self, command: str, *args: str) -> str:
        return haven("review", command, *args, "--workspace", str(self.workspace))

    def _unlocked(self, command: str, *args: str) -> str:
        return self._review(
            command,
            *args,
            "--identity",
            str(self.identity_file),
            "--passphrase-file",
            str(self.passphrase_file),
        )

    def import_bundle(self, bundle: Path) -> str:
        return self._review("import", str(bundle))

    def cases(self) -> list[str]:
        """The full ids of the cases `haven review cases` lists."""
        return [line.split()[0] for line in self._unlocked("cases").splitlines() if line]

    def reply(self, case: str, *, status: str, text: str | None = None) -> None:
        options = ["--status", status]
        if text is not None:
            text_file = self.directory / f"reply-{len(list(self.directory.iterdir()))}.txt"
            text_file.write_text(text, encoding="utf-8")
            options += ["--text-file", str(text_file)]
        self._unlocked("reply", case, *options)

    def send_replies(self, out: Path) -> Path:
        self._unlocked("replies", "--out", str(out))
        return out

    def signing_key(self) -> str:
        return self._review("signing-key", "--reviewer", REVIEWER).strip()


def bundle_manifest(bundle: Path) -> dict[str, Any]:
    """The manifest of a pickup or reply bundle."""
    with tarfile.open(bundle) as archive:
        member = archive.extractfile("manifest.json")
        assert member is not None
        manifest: dict[str, Any] = json.load(member)
    return manifest


def decrypted_member(
    bundle: Path, name: str, *, identity: keys.X25519Identity | keys.HybridIdentity
) -> bytes:
    """One age member of a pickup bundle, decrypted with `identity`."""
    with tarfile.open(bundle) as archive:
        member = archive.extractfile(name)
        assert member is not None
        return keys.decrypt(member.read(), identities=[identity])
