"""`haven keys`: generate, encrypt and decrypt age files, as the stock `age` tool does."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

import click

from keys import commands
from keys.files import format_identity_file, read_identity_file
from keys.hybrid import HybridIdentity
from keys.scrypt import ScryptRecipient
from keys.x25519 import X25519Identity


@contextlib.contextmanager
def _failures_as_errors() -> Iterator[None]:
    """Show every expected failure as one clear line on stderr and exit status 1."""
    try:
        with commands.failures_as_errors():
            yield
    except commands.CommandFailed as err:
        raise click.ClickException(str(err)) from None


@contextlib.contextmanager
def _usage_problems_as_usage_errors() -> Iterator[None]:
    try:
        yield
    except commands.UsageProblem as err:
        raise click.UsageError(str(err)) from None


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
            secret = commands.passphrase(
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
        passphrase = commands.identity_passphrase(identity_passphrase_file)
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
    with _usage_problems_as_usage_errors():
        commands.check_encrypt_usage(
            recipient_texts=recipient_texts,
            recipient_files=recipient_files,
            uses_passphrase=ask_passphrase or passphrase_file is not None,
        )
    with _failures_as_errors():
        commands.encrypt(
            recipient_texts=recipient_texts,
            recipient_files=recipient_files,
            ask_passphrase=ask_passphrase,
            passphrase_file=passphrase_file,
            armor=armor,
            output=output,
            input_path=input_path,
        )


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
    with _usage_problems_as_usage_errors():
        commands.check_decrypt_usage(identity_files=identity_files, passphrase_file=passphrase_file)
    with _failures_as_errors():
        commands.decrypt(
            identity_files=identity_files,
            identity_passphrase_file=identity_passphrase_file,
            passphrase_file=passphrase_file,
            output=output,
            input_path=input_path,
        )
