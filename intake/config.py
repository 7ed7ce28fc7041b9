"""Intake configuration: one pure, validated loader from HAVEN_* variables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import keys
from intake.errors import ConfigError, SecretFileError
from intake.quickexit import DEFAULT_QUICK_EXIT_URL, parse_quick_exit_url
from intake.secretfiles import RECEIPT_PEPPER_FILE, SESSION_KEY_FILE, read_secret_file
from keys.receipt import PRODUCTION_COST, Argon2Cost

DATABASE_FILE = "intake.sqlite3"
RECIPIENTS_FILE = "recipients.txt"
MIB = 1 << 20


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
    receipt_cost: Argon2Cost = PRODUCTION_COST
    quick_exit_url: str = DEFAULT_QUICK_EXIT_URL


def load_config(environ: Mapping[str, str]) -> IntakeConfig:
    """Build an IntakeConfig from `environ`, raising ConfigError on anything missing or bad."""
    data_dir = Path(_required(environ, "HAVEN_DATA_DIR"))
    if not data_dir.is_dir():
        raise ConfigError(f"HAVEN_DATA_DIR: {data_dir} is not a directory")
    recipients_path = Path(environ.get("HAVEN_RECIPIENTS_FILE", data_dir / RECIPIENTS_FILE))
    try:
        secret_key = read_secret_file(data_dir / SESSION_KEY_FILE)
        receipt_pepper = read_secret_file(data_dir / RECEIPT_PEPPER_FILE)
    except SecretFileError as error:
        raise ConfigError(f"HAVEN_DATA_DIR: {error}") from None
    return IntakeConfig(
        data_dir=data_dir,
        database_url=environ.get("HAVEN_DATABASE_URL", f"sqlite:///{data_dir / DATABASE_FILE}"),
        recipients=load_recipients(recipients_path),
        secret_key=secret_key,
        receipt_pepper=receipt_pepper,
        max_upload_bytes=_positive_int(environ, "HAVEN_MAX_UPLOAD_BYTES", 500 * MIB),
        max_files=_positive_int(environ, "HAVEN_MAX_FILES", 20),
        max_text_chars=_positive_int(environ, "HAVEN_MAX_TEXT_CHARS", 20_000),
        retention_days=_positive_int(environ, "HAVEN_RETENTION_DAYS", 14),
        plain_http=_flag(environ, "HAVEN_PLAIN_HTTP"),
        quick_exit_url=_quick_exit_url(environ),
    )


def load_recipients(path: Path) -> tuple[keys.Recipient, ...]:
    """Read the reviewers' recipients, refusing none, an invalid one, or a PQ/classic mix."""
    try:
        recipients = keys.read_recipients_file(path)
    except keys.RecipientError as error:
        raise ConfigError(f"HAVEN_RECIPIENTS_FILE: {path}: {error}") from None
    if not recipients:
        raise ConfigError(f"HAVEN_RECIPIENTS_FILE: {path} lists no recipient")
    return tuple(recipients)


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "")
    if not value:
        raise ConfigError(f"{name} is not set")
    return value


def _positive_int(environ: Mapping[str, str], name: str, default: int) -> int:
    text = environ.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {text!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive")
    return value


def _quick_exit_url(environ: Mapping[str, str]) -> str:
    try:
        return parse_quick_exit_url(environ.get("HAVEN_QUICK_EXIT_URL", DEFAULT_QUICK_EXIT_URL))
    except ValueError as error:
        raise ConfigError(f"HAVEN_QUICK_EXIT_URL: {error}") from None


def _flag(environ: Mapping[str, str], name: str) -> bool:
    text = environ.get(name, "0")
    if text not in ("0", "1"):
        raise ConfigError(f"{name} must be 0 or 1")
    return text == "1"
