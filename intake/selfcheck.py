"""`haven intake check`: misconfigurations found before they bite, one finding per line.

Every check reads; none changes a file. An error is something that exposes
reports, metadata or secrets, or that keeps intake from working; a warning is
a weaker choice an operator should make on purpose. docs/deploy.md lists them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import keys
from intake.addresses import is_loopback
from intake.config import DATABASE_FILE, RECIPIENTS_FILE, load_config, load_recipients
from intake.errors import ConfigError, TrustedReviewersError
from intake.filemodes import OTHERS, OTHERS_WRITE, mode_of
from intake.pickup_key import PICKUP_SIGNING_KEY_FILE
from intake.secretfiles import RECEIPT_PEPPER_FILE, SESSION_KEY_FILE
from intake.trusted_reviewers import TRUSTED_REVIEWERS_FILE, read_trusted_reviewers

# Retention past this many days keeps picked-up ciphertext (and the days it
# arrived) on the server longer than a pickup cycle needs.
LONG_RETENTION_DAYS = 30
_SQLITE_SUFFIXES = ("", "-wal", "-shm")


@dataclass(frozen=True)
class Finding:
    """One misconfiguration: how bad, where, and what to do about it."""

    error: bool
    subject: str
    message: str

    def __str__(self) -> str:
        return f"{'error' if self.error else 'warning'}: {self.subject}: {self.message}"


def check_intake(
    data_dir: Path, environ: Mapping[str, str], *, host: str, plain_http: bool
) -> list[Finding]:
    """Every finding about `data_dir`, the HAVEN_* settings in `environ` and the serve address."""
    if not data_dir.is_dir():
        return [Finding(True, str(data_dir), "not a directory (run `haven intake init`)")]
    return [
        *_data_directory(data_dir),
        *_secrets(data_dir),
        *_recipients(Path(environ.get("HAVEN_RECIPIENTS_FILE", data_dir / RECIPIENTS_FILE))),
        *_database(data_dir, environ),
        *_settings(data_dir, environ),
        *_serving(host, plain_http=plain_http),
        *_trusted_reviewers(data_dir / TRUSTED_REVIEWERS_FILE),
    ]


def _data_directory(data_dir: Path) -> Iterator[Finding]:
    if mode_of(data_dir) & OTHERS:
        yield Finding(True, str(data_dir), f"mode {mode_of(data_dir):04o} lets other accounts in; "
                      f"chmod 700 {data_dir}")


def _secrets(data_dir: Path) -> Iterator[Finding]:
    for name in (SESSION_KEY_FILE, RECEIPT_PEPPER_FILE):
        path = data_dir / name
        if not path.is_file():
            yield Finding(True, str(path), "missing: intake will not start "
                          "(a pepper must never be recreated while receipt codes are out)")
        elif mode_of(path) & OTHERS:
            yield Finding(True, str(path), f"mode {mode_of(path):04o}: a secret must be 0600")
    key = data_dir / PICKUP_SIGNING_KEY_FILE
    if not key.is_file():
        # A node that only serves reporters needs no signing key.
        yield Finding(False, str(key), "missing: `haven intake pickup` refuses to run here "
                      "(fine on a node that only serves reporters)")
    elif mode_of(key) & OTHERS:
        yield Finding(True, str(key), f"mode {mode_of(key):04o}: a secret must be 0600")


def _recipients(path: Path) -> Iterator[Finding]:
    if not path.is_file():
        yield Finding(True, str(path), "missing: intake will not start without recipients")
        return
    try:
        # Refuses a file other accounts may write, as intake itself does at start-up.
        recipients = load_recipients(path)
    except ConfigError as error:
        yield Finding(True, str(path), str(error))
        return
    if not any(isinstance(r, keys.HybridRecipient) for r in recipients):
        yield Finding(False, str(path), "classic X25519 recipients: reports recorded today could "
                      "be opened by a quantum computer later; use hybrid (age1pq1) keys")


def _database(data_dir: Path, environ: Mapping[str, str]) -> Iterator[Finding]:
    if "HAVEN_DATABASE_URL" in environ:
        return  # PostgreSQL's own access rules apply (docs/deploy.md, "Several nodes").
    database = data_dir / DATABASE_FILE
    if not database.is_file():
        yield Finding(True, str(database), "missing (run `haven intake init`)")
        return
    for suffix in _SQLITE_SUFFIXES:
        path = database.with_name(database.name + suffix)
        if not path.exists():
            continue
        mode = mode_of(path)
        if mode & OTHERS_WRITE:
            yield Finding(True, str(path), f"mode {mode:04o}: other accounts could change or "
                          "destroy submissions; chmod 600")
        elif mode & OTHERS:
            # Ciphertext, but also how many reports came in on which day.
            yield Finding(False, str(path), f"mode {mode:04o}: only the data directory's mode "
                          "keeps other accounts out (and a copy keeps this mode); chmod 600")


def _settings(data_dir: Path, environ: Mapping[str, str]) -> Iterator[Finding]:
    try:
        config = load_config({**environ, "HAVEN_DATA_DIR": str(data_dir)})
    except ConfigError as error:
        # Missing secrets and recipients were reported above, by file.
        if not str(error).startswith(("HAVEN_DATA_DIR", "HAVEN_RECIPIENTS_FILE")):
            yield Finding(True, "settings", str(error))
        return
    if "HAVEN_RETENTION_DAYS" not in environ:
        yield Finding(False, "HAVEN_RETENTION_DAYS", f"unset: the default "
                      f"{config.retention_days} days applies; set it on purpose")
    elif config.retention_days > LONG_RETENTION_DAYS:
        yield Finding(False, "HAVEN_RETENTION_DAYS", f"{config.retention_days} days keeps "
                      "picked-up ciphertext on the server long after its pickup")


def _serving(host: str, *, plain_http: bool) -> Iterator[Finding]:
    if is_loopback(host):
        return
    yield Finding(True, f"--host {host}", "intake speaks plain HTTP: bind it to loopback and "
                  "put Tor or a TLS reverse proxy in front")
    if plain_http:
        yield Finding(True, "HAVEN_PLAIN_HTTP", "cookies without Secure off loopback would "
                      "cross the network in the clear")


def _trusted_reviewers(path: Path) -> Iterator[Finding]:
    if not path.exists():
        yield Finding(False, str(path), "missing: no reply bundle can be loaded "
                      "(fine until replies are in use)")
    elif mode_of(path) & OTHERS_WRITE:
        yield Finding(True, str(path), f"mode {mode_of(path):04o}: whoever can write it can sign "
                      "replies to reporters; chmod go-w")
    else:
        # The same reader load-replies uses, so what passes here loads there.
        try:
            trusted = read_trusted_reviewers(path.parent)
        except TrustedReviewersError as error:
            yield Finding(True, str(path), str(error))
        else:
            if not trusted:
                yield Finding(False, str(path), "lists no reviewer key: no reply bundle can be "
                              "loaded (`haven intake trust-reviewer`)")
