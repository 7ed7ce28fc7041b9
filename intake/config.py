"""Intake configuration: one pure, validated loader from HAVEN_* variables."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import keys
from contracts.report import MAX_DOCUMENT_BYTES, MAX_LONG_ANSWER_CHARS, MAX_REPORT_BYTES
from intake.errors import ConfigError, SecretFileError
from intake.filemodes import refuse_writable_by_others
from intake.quickexit import DEFAULT_QUICK_EXIT_URL, parse_quick_exit_url
from intake.secretfiles import RECEIPT_PEPPER_FILE, SESSION_KEY_FILE, read_secret_file

if TYPE_CHECKING:
    from keys.receipt import Argon2Cost

DATABASE_FILE = "intake.sqlite3"
RECIPIENTS_FILE = "recipients.txt"
MIB = 1 << 20


def _production_receipt_cost() -> Argon2Cost:
    # keys.receipt (Argon2, ML-KEM) is loaded by the processes that build an
    # IntakeConfig, not by every one that imports this module: `haven intake pickup`
    # runs every few minutes beside the server and reads only load_database_url().
    from keys.receipt import PRODUCTION_COST

    return PRODUCTION_COST


@dataclass(frozen=True)
class IntakeConfig:
    """Everything intake needs to run, validated once at start-up."""

    data_dir: Path
    database_url: str
    recipients: tuple[keys.Recipient, ...]
    secret_key: bytes
    receipt_pepper: bytes
    max_upload_bytes: int = 500 * MIB
    max_files: int = 20
    max_text_chars: int = 20_000
    retention_days: int = 14
    # Secure cookies unless explicitly serving plain HTTP on loopback (or an onion
    # service, which Tor forwards to loopback).
    plain_http: bool = False
    receipt_cost: Argon2Cost = field(default_factory=_production_receipt_cost)
    quick_exit_url: str = DEFAULT_QUICK_EXIT_URL
    # Check-back attempts each process accepts in any minute before answering "busy"
    # (intake/derivation_gate.py and docs/intake.md say why).
    checkbacks_per_minute: int = 300
    # Argon2 derivations one process runs at once (intake/derivation_gate.py): one per
    # core when None; `haven intake serve` gives each worker its share of the cores.
    derivation_slots: int | None = None
    # How long a staged upload's rows outlive its process before they are collected
    # (intake/leases.py; docs/intake.md bounds the dead ciphertext a crash loop leaves).
    staged_lease_seconds: int = 60
    # Slow connections (intake/pacing.py, intake/upload_slots.py; docs/intake.md,
    # "Slow connections"): a request's header block must be complete this many
    # seconds after its first byte...
    header_timeout_seconds: int = 30
    # ...and its body must average this many bytes a second over every window of
    # the next setting's seconds (an honest upload over Tor runs at 20 to 1000 KiB/s).
    min_upload_bytes_per_second: int = 1024
    upload_rate_window_seconds: int = 60
    # Uploads one process receives at once; more are answered "busy, try again".
    # `haven intake serve` keeps it below its thread count (intake/serve.py).
    max_concurrent_uploads: int = 128
    # The courier endpoint (intake/courier_views.py): off unless the operator turns it
    # on; when off its routes do not exist. Attempts each process accepts in any
    # minute, per courier and from all of them, before answering 429 without Argon2.
    courier: bool = False
    courier_attempts_per_minute: int = 6
    courier_total_per_minute: int = 30


def load_config(environ: Mapping[str, str]) -> IntakeConfig:
    """Build an IntakeConfig from `environ`, raising ConfigError on anything missing or bad."""
    data_dir = _data_dir(environ)
    recipients_path = Path(environ.get("HAVEN_RECIPIENTS_FILE", data_dir / RECIPIENTS_FILE))
    try:
        secret_key = read_secret_file(data_dir / SESSION_KEY_FILE)
        receipt_pepper = read_secret_file(data_dir / RECEIPT_PEPPER_FILE)
    except SecretFileError as error:
        raise ConfigError(f"HAVEN_DATA_DIR: {error}") from None
    return IntakeConfig(
        data_dir=data_dir,
        database_url=database_url(environ, data_dir),
        recipients=load_recipients(recipients_path),
        secret_key=secret_key,
        receipt_pepper=receipt_pepper,
        **_settings_given(environ),
    )


def load_database_url(environ: Mapping[str, str]) -> str:
    """Return the database URL of HAVEN_DATA_DIR (or HAVEN_DATABASE_URL), checking the
    directory as load_config does; raise ConfigError if it is missing or unsafe.

    For the commands that use the database alone (`haven intake pickup`): they read
    neither the server's secrets nor the recipients file, so they do not load them,
    nor encrypt load_recipients' largest report to the recipients. The directory is
    checked all the same: another account that could replace the database in it
    could have pickup sign submissions of its own making.
    """
    return database_url(environ, _data_dir(environ))


def _data_dir(environ: Mapping[str, str]) -> Path:
    data_dir = Path(_required(environ, "HAVEN_DATA_DIR"))
    if not data_dir.is_dir():
        raise ConfigError(f"HAVEN_DATA_DIR: {data_dir} is not a directory")
    refuse_writable_by_others(
        data_dir,
        variable="HAVEN_DATA_DIR",
        consequence="another account could replace the database or the recipients file in it",
        fix="chmod 700",
    )
    return data_dir


def database_url(environ: Mapping[str, str], data_dir: Path) -> str:
    """Return HAVEN_DATABASE_URL, or else the URL of the SQLite database in `data_dir`."""
    return environ.get("HAVEN_DATABASE_URL", f"sqlite:///{data_dir / DATABASE_FILE}")


def default_of(field_name: str) -> object:
    """Return the default of an IntakeConfig field, for text that must not repeat it."""
    (field,) = (field for field in fields(IntakeConfig) if field.name == field_name)
    return field.default


def load_recipients(path: Path) -> tuple[keys.Recipient, ...]:
    """Read the reviewers' recipients, refusing a file others may write, none, an invalid
    one, or a PQ/classic mix."""
    try:
        recipients = keys.read_recipients_file(path)
    except keys.RecipientError as error:
        raise ConfigError(f"HAVEN_RECIPIENTS_FILE: {path}: {error}") from None
    # Intake encrypts every report to whatever this file lists.
    refuse_writable_by_others(
        path,
        variable="HAVEN_RECIPIENTS_FILE",
        consequence="whoever can write it can add their own key and read every later report",
        fix="chmod 600",
    )
    if not recipients:
        raise ConfigError(f"HAVEN_RECIPIENTS_FILE: {path} lists no recipient")
    # The largest report document intake writes must still fit the report size review
    # accepts once encrypted to all of them (its header grows with every recipient).
    largest = len(keys.encrypt(bytes(MAX_DOCUMENT_BYTES), recipients=recipients))
    if largest > MAX_REPORT_BYTES:
        raise ConfigError(
            f"HAVEN_RECIPIENTS_FILE: {path} lists {len(recipients)} recipients, too many "
            f"for a report to stay within {MAX_REPORT_BYTES} bytes ({largest} at most)"
        )
    return tuple(recipients)


def _settings_given(environ: Mapping[str, str]) -> dict[str, Any]:
    # Only the settings `environ` gives: every other one keeps the default that
    # IntakeConfig declares, the one place a default is written.
    return {
        field_name: parse(variable, environ[variable])
        for field_name, (variable, parse) in _SETTINGS.items()
        if variable in environ
    }


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "")
    if not value:
        raise ConfigError(f"{name} is not set")
    return value


def _positive_int(name: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {text!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive")
    return value


def _long_answer_chars(name: str, text: str) -> int:
    value = _positive_int(name, text)
    # Review relies on this bound (contracts/report.py).
    if value > MAX_LONG_ANSWER_CHARS:
        raise ConfigError(f"{name} must be at most {MAX_LONG_ANSWER_CHARS}")
    return value


def _lease_seconds(name: str, text: str) -> int:
    value = _positive_int(name, text)
    # Renewed four times a lease, at whole seconds: shorter would renew constantly.
    if value < 4:
        raise ConfigError(f"{name} must be at least 4")
    return value


def _quick_exit_url(name: str, text: str) -> str:
    try:
        return parse_quick_exit_url(text)
    except ValueError as error:
        raise ConfigError(f"{name}: {error}") from None


def _flag(name: str, text: str) -> bool:
    if text not in ("0", "1"):
        raise ConfigError(f"{name} must be 0 or 1")
    return text == "1"


# The optional settings: each IntakeConfig field, the variable that sets it, and
# the parser that validates the variable's text.
_SETTINGS: dict[str, tuple[str, Callable[[str, str], object]]] = {
    "max_upload_bytes": ("HAVEN_MAX_UPLOAD_BYTES", _positive_int),
    "max_files": ("HAVEN_MAX_FILES", _positive_int),
    "max_text_chars": ("HAVEN_MAX_TEXT_CHARS", _long_answer_chars),
    "retention_days": ("HAVEN_RETENTION_DAYS", _positive_int),
    "plain_http": ("HAVEN_PLAIN_HTTP", _flag),
    "quick_exit_url": ("HAVEN_QUICK_EXIT_URL", _quick_exit_url),
    "checkbacks_per_minute": ("HAVEN_CHECKBACKS_PER_MINUTE", _positive_int),
    "staged_lease_seconds": ("HAVEN_STAGED_LEASE_SECONDS", _lease_seconds),
    "header_timeout_seconds": ("HAVEN_HEADER_TIMEOUT_SECONDS", _positive_int),
    "min_upload_bytes_per_second": ("HAVEN_MIN_UPLOAD_BYTES_PER_SECOND", _positive_int),
    "upload_rate_window_seconds": ("HAVEN_UPLOAD_RATE_WINDOW_SECONDS", _positive_int),
    "max_concurrent_uploads": ("HAVEN_MAX_CONCURRENT_UPLOADS", _positive_int),
    "courier": ("HAVEN_COURIER", _flag),
    "courier_attempts_per_minute": ("HAVEN_COURIER_ATTEMPTS_PER_MINUTE", _positive_int),
    "courier_total_per_minute": ("HAVEN_COURIER_TOTAL_PER_MINUTE", _positive_int),
}
