"""`haven keys`: generate, encrypt and decrypt age files, as the stock `age` tool does."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import click

from keys import passphrase as passphrases
from keys.age import decrypt_stream, encrypt_stream
from keys.errors import KeysError
from keys.files import format_identity_file, read_identity_file, read_recipients_file
from keys.hybrid import HybridIdentity
from keys.output import writing_output
from keys.parse import parse_recipient
from keys.recipient import Identity, Recipient
from keys.scrypt import ScryptIdentity, ScryptRecipient
from keys.x25519 import X25519Identity


@contextlib.contextmanager
def _failures_as_errors() -> Iterator[None]:
    """Turn every expected failure into one clear line on stderr and exit status 1."""
    try:
        yield
    except KeysError as err:
        # Messages of keys/ name the broken rule, never key material, so they may be shown.
        raise click.ClickException(str(err)) from None
    except OSError as err:
        raise click.ClickException(f"{err.filename or ''}: {err.strerror}".lstrip(": ")) from None


@contextlib.contextmanager
def _input(path: str | None) -> Iterator[BinaryIO]:
    if path is None or path == "-":
        yield sys.stdin.buffer
        return
    with open(path, "rb") as handle:
        yield handle


@contextlib.contextmanager
def _output(path: str | None, *, binary: bool, input_path: str | None) -> Iterator[BinaryIO]:
    """Standard output, or `path` (keys/output.py): a regular file appears only when complete.

    A regular file is written to a private (0600) temporary file beside `path` and
    renamed over it at the end: a failure leaves any existing file untouched and
    no half-written one, and decrypted output is never readable by others. A
    device or FIFO is written in place, never replaced.
    """
    if path is None or path == "-":
        if binary and sys.stdout.isatty():
            raise click.ClickException(
                "refusing to write binary output to a terminal; use -o or -a"
            )
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    target = Path(path)
    if input_path not in (None, "-") and target.exists() and target.samefile(str(input_path)):
        raise click.ClickException("the output file is the input file")
    with writing_output(target) as handle:
        yield handle


def _passphrase(passphrase_file: str | None, *, prompt: str, confirm: bool = False) -> str:
    """From the named file if there is one, else asked on the terminal."""
    if passphrase_file is not None:
        return passphrases.read_file(passphrase_file)
    return passphrases.ask(prompt, confirm=confirm)


def _identity_passphrase(passphrase_file: str | None) -> Callable[[], str]:
    # Called only if an identity file turns out to be encrypted, as `age -d -i` does.
    return lambda: _passphrase(passphrase_file, prompt="Enter passphrase for identity file: ")


@click.group("keys")
def keys_group() -> None:
    """age v1 keys and files: hybrid post-quantum by default, readable by the stock `age` tool."""


@keys_group.command("generate")
@click.option("--classic", is_flag=True, help="An X25519 key instead of hybrid post-quantum.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Identity file to create.")
@click.option("--passphrase", "ask_passphrase", is_flag=True, help="Protect the file: ask.")
@click.option("--passphrase-file", type=click.Path(exists=True, dir_okay=False),
              help="Protect the file with the passphrase in this file (its first line).")
def generate(
    classic: bool, output: str | None, ask_passphrase: bool, passphrase_file: str | None
) -> None:
    """Generate a new identity and print its recipient."""
    if ask_passphrase and passphrase_file:
        raise click.UsageError("--passphrase and --passphrase-file are mutually exclusive")
    with _failures_as_errors():
        identity: HybridIdentity | X25519Identity = (
            X25519Identity.generate() if classic else HybridIdentity.generate()
        )
        secret: str | None = None
        if ask_passphrase or passphrase_file:
            secret = _passphrase(
                passphrase_file, prompt="Passphrase for the new identity file: ", confirm=True
            )
        if output is None:
            _print_identity(identity, secret)
            return
        if os.path.lexists(output):
            raise click.ClickException(f"{output} already exists; not overwriting a key")
        from keys.files import write_identity_file

        write_identity_file(output, [identity], passphrase=secret)
        click.echo(str(identity.recipient()))


def _print_identity(identity: HybridIdentity | X25519Identity, secret: str | None) -> None:
    import datetime

    from keys.age import encrypt

    text = format_identity_file([identity], day=datetime.datetime.now(datetime.UTC).date())
    if secret is None:
        sys.stdout.write(text)
    else:
        sys.stdout.buffer.write(
            encrypt(text.encode(), recipients=[ScryptRecipient(secret)], armor=True)
        )
    click.echo(f"Public key: {identity.recipient()}", err=True)


@keys_group.command("recipient")
@click.argument("identity_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--identity-passphrase-file", type=click.Path(exists=True, dir_okay=False),
              help="The passphrase of a protected identity file, read from this file.")
def recipient(identity_file: str, identity_passphrase_file: str | None) -> None:
    """Print the recipient of each identity in IDENTITY_FILE."""
    with _failures_as_errors():
        passphrase = _identity_passphrase(identity_passphrase_file)
        for identity in read_identity_file(identity_file, passphrase=passphrase):
            click.echo(str(identity.recipient()))


@keys_group.command("encrypt")
@click.option("-r", "--recipient", "recipient_texts", multiple=True, help="age1... or age1pq1...")
@click.option(
    "-R",
    "--recipients-file",
    "recipient_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="A file of recipients, one a line (repeatable).",
)
@click.option("-p", "--passphrase", "ask_passphrase", is_flag=True, help="Encrypt to a passphrase.")
@click.option("--passphrase-file", type=click.Path(exists=True, dir_okay=False),
              help="Encrypt to the passphrase in this file (its first line).")
@click.option("-a", "--armor", is_flag=True, help="PEM-style ASCII armor.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the encrypted file here [default: standard output].")
@click.argument("input_path", metavar="[INPUT]", required=False)
def encrypt_command(
    recipient_texts: tuple[str, ...],
    recipient_files: tuple[str, ...],
    ask_passphrase: bool,
    passphrase_file: str | None,
    armor: bool,
    output: str | None,
    input_path: str | None,
) -> None:
    """Encrypt INPUT (default: standard input) to recipients or a passphrase."""
    uses_passphrase = ask_passphrase or passphrase_file is not None
    if uses_passphrase and (recipient_texts or recipient_files):
        raise click.UsageError("a passphrase cannot be combined with -r or -R")
    if not uses_passphrase and not (recipient_texts or recipient_files):
        raise click.UsageError("missing recipients: give -r, -R, -p or --passphrase-file")
    with _failures_as_errors():
        recipients: list[Recipient] = [parse_recipient(text) for text in recipient_texts]
        for path in recipient_files:
            recipients += read_recipients_file(path)
        if uses_passphrase:
            secret = _passphrase(passphrase_file, prompt="Enter passphrase: ", confirm=True)
            recipients = [ScryptRecipient(secret)]
        with (
            _input(input_path) as src,
            _output(output, binary=not armor, input_path=input_path) as dst,
        ):
            encrypt_stream(src, dst, recipients=recipients, armor=armor)


@keys_group.command("decrypt")
@click.option(
    "-i",
    "--identity",
    "identity_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="An identity file to decrypt with (repeatable).",
)
@click.option("--identity-passphrase-file", type=click.Path(exists=True, dir_okay=False),
              help="The passphrase of protected identity files, read from this file.")
@click.option(
    "--passphrase-file",
    type=click.Path(exists=True, dir_okay=False),
    help="Decrypt a passphrase-encrypted file with the passphrase in this file.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the decrypted file here [default: standard output].")
@click.argument("input_path", metavar="[INPUT]", required=False)
def decrypt_command(
    identity_files: tuple[str, ...],
    identity_passphrase_file: str | None,
    passphrase_file: str | None,
    output: str | None,
    input_path: str | None,
) -> None:
    """Decrypt INPUT (default: standard input), binary or armored."""
    if identity_files and passphrase_file:
        raise click.UsageError("-i and --passphrase-file are mutually exclusive")
    with _failures_as_errors():
        identities: list[Identity] = []
        unlock = _identity_passphrase(identity_passphrase_file)
        for path in identity_files:
            identities += read_identity_file(path, passphrase=unlock)
        if not identities:
            secret = _passphrase(passphrase_file, prompt="Enter passphrase: ")
            identities = [ScryptIdentity(secret)]
        with _input(input_path) as src, _output(output, binary=False, input_path=input_path) as dst:
            decrypt_stream(src, dst, identities=identities)
