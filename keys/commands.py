"""What `haven keys encrypt` and `haven keys decrypt` do, once their options are parsed.

Two front ends run these: the click commands of keys/cli.py (help, usage
errors, every option spelling) and keys/quick_cli.py, the click-free path the
`haven` console script takes for a plainly written encrypt or decrypt, so that
start-up does not pay for click. Both call the same functions here, so the two
cannot drift apart in what they do; only the parsing differs.

This module imports no option parser and, at import time, nothing of keys/
beyond its errors: a classic `haven keys encrypt -r age1...` loads only the
X25519 primitives it uses, the hybrid and scrypt code only when asked for.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, BinaryIO

from keys.errors import KeysError

if TYPE_CHECKING:
    from keys.recipient import Identity, Recipient


class CommandFailed(Exception):
    """An expected failure: shown as one line on stderr, exit status 1."""


class UsageProblem(Exception):
    """Options that do not go together; the front end shows its usage error."""


@contextlib.contextmanager
def failures_as_errors() -> Iterator[None]:
    """Turn every expected failure into a CommandFailed with one clear line."""
    try:
        yield
    except KeysError as err:
        # Messages of keys/ name the broken rule, never key material, so they may be shown.
        raise CommandFailed(str(err)) from None
    except OSError as err:
        raise CommandFailed(f"{err.filename or ''}: {err.strerror}".lstrip(": ")) from None


@contextlib.contextmanager
def opened_input(path: str | None) -> Iterator[BinaryIO]:
    """Standard input, or the named file."""
    if path is None or path == "-":
        yield sys.stdin.buffer
        return
    with open(path, "rb") as handle:
        yield handle


@contextlib.contextmanager
def opened_output(path: str | None, *, binary: bool, input_path: str | None) -> Iterator[BinaryIO]:
    """Standard output, or `path` (keys/output.py): a regular file appears only when complete.

    A regular file is written to a private (0600) temporary file beside `path` and
    renamed over it at the end: a failure leaves any existing file untouched and
    no half-written one, and decrypted output is never readable by others. A
    device or FIFO is written in place, never replaced.
    """
    if path is None or path == "-":
        if binary and sys.stdout.isatty():
            raise CommandFailed("refusing to write binary output to a terminal; use -o or -a")
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    from pathlib import Path

    from keys.output import writing_output

    target = Path(path)
    if input_path not in (None, "-") and target.exists() and target.samefile(str(input_path)):
        raise CommandFailed("the output file is the input file")
    with writing_output(target) as handle:
        yield handle


def passphrase(passphrase_file: str | None, *, prompt: str, confirm: bool = False) -> str:
    """From the named file if there is one, else asked on the terminal."""
    from keys import passphrase as passphrases

    if passphrase_file is not None:
        return passphrases.read_file(passphrase_file)
    return passphrases.ask(prompt, confirm=confirm)


def identity_passphrase(passphrase_file: str | None) -> Callable[[], str]:
    """The passphrase of an identity file, asked for only if one turns out to be encrypted."""
    return lambda: passphrase(passphrase_file, prompt="Enter passphrase for identity file: ")


def check_encrypt_usage(
    *, recipient_texts: Sequence[str], recipient_files: Sequence[str], uses_passphrase: bool
) -> None:
    """Refuse option combinations `encrypt` cannot honour, before anything is read."""
    if uses_passphrase and (recipient_texts or recipient_files):
        raise UsageProblem("a passphrase cannot be combined with -r or -R")
    if not uses_passphrase and not (recipient_texts or recipient_files):
        raise UsageProblem("missing recipients: give -r, -R, -p or --passphrase-file")


def encrypt(
    *,
    recipient_texts: Sequence[str],
    recipient_files: Sequence[str],
    ask_passphrase: bool,
    passphrase_file: str | None,
    armor: bool,
    output: str | None,
    input_path: str | None,
) -> None:
    """Encrypt `input_path` (default: standard input) to recipients or a passphrase."""
    uses_passphrase = ask_passphrase or passphrase_file is not None
    check_encrypt_usage(
        recipient_texts=recipient_texts,
        recipient_files=recipient_files,
        uses_passphrase=uses_passphrase,
    )
    from keys.age import encrypt_stream
    from keys.parse import parse_recipient

    with failures_as_errors():
        recipients: list[Recipient] = [parse_recipient(text) for text in recipient_texts]
        if recipient_files:
            from keys.files import read_recipients_file

            for path in recipient_files:
                recipients += read_recipients_file(path)
        if uses_passphrase:
            from keys.scrypt import ScryptRecipient

            secret = passphrase(passphrase_file, prompt="Enter passphrase: ", confirm=True)
            recipients = [ScryptRecipient(secret)]
        with (
            opened_input(input_path) as src,
            opened_output(output, binary=not armor, input_path=input_path) as dst,
        ):
            encrypt_stream(src, dst, recipients=recipients, armor=armor)


def check_decrypt_usage(*, identity_files: Sequence[str], passphrase_file: str | None) -> None:
    """Refuse option combinations `decrypt` cannot honour, before anything is read."""
    if identity_files and passphrase_file:
        raise UsageProblem("-i and --passphrase-file are mutually exclusive")


def decrypt(
    *,
    identity_files: Sequence[str],
    identity_passphrase_file: str | None,
    passphrase_file: str | None,
    output: str | None,
    input_path: str | None,
) -> None:
    """Decrypt `input_path` (default: standard input), binary or armored."""
    check_decrypt_usage(identity_files=identity_files, passphrase_file=passphrase_file)
    from keys.age import decrypt_stream

    with failures_as_errors():
        identities: list[Identity] = []
        if identity_files:
            from keys.files import read_identity_file

            unlock = identity_passphrase(identity_passphrase_file)
            for path in identity_files:
                identities += read_identity_file(path, passphrase=unlock)
        if not identities:
            from keys.scrypt import ScryptIdentity

            secret = passphrase(passphrase_file, prompt="Enter passphrase: ")
            identities = [ScryptIdentity(secret)]
        with (
            opened_input(input_path) as src,
            opened_output(output, binary=False, input_path=input_path) as dst,
        ):
            decrypt_stream(src, dst, identities=identities)
