"""Passphrases for the command line: from the terminal, never from standard input.

Standard input carries the data being encrypted or decrypted, so, like the
stock `age` tool, we ask on the controlling terminal (/dev/tty) or read a file
named by the user; we never fall back to stdin.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from keys.errors import PassphraseUnavailable


def _have_terminal() -> bool:
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return False
    os.close(fd)
    return True


def ask(prompt: str, *, confirm: bool = False) -> str:
    """Read a passphrase on the terminal without echo; with `confirm`, ask twice."""
    if not _have_terminal():
        raise PassphraseUnavailable(
            "no terminal to ask for a passphrase on; use a --passphrase-file option"
        )
    passphrase = getpass.getpass(prompt)
    if not passphrase:
        raise PassphraseUnavailable("the passphrase is empty")
    if confirm and getpass.getpass("Confirm passphrase: ") != passphrase:
        raise PassphraseUnavailable("the passphrases do not match")
    return passphrase


def read_file(path: str | os.PathLike[str]) -> str:
    """The first line of a passphrase file, without its line ending."""
    try:
        with Path(path).open("r", encoding="utf-8") as handle:
            line = handle.readline(65536)
    except (OSError, UnicodeDecodeError) as err:
        raise PassphraseUnavailable(f"cannot read passphrase file {path}: {err}") from None
    passphrase = line.rstrip("\r\n")
    if not passphrase:
        raise PassphraseUnavailable(f"passphrase file {path} is empty")
    return passphrase
