"""`haven intake`: initialise a data directory, migrate, serve, pick up, load replies, purge,
check."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from sqlalchemy import Engine

import keys
from intake.addresses import is_loopback
from intake.config import (
    RECIPIENTS_FILE,
    IntakeConfig,
    database_url,
    default_of,
    load_config,
    load_database_url,
)
from intake.days import utc_today
from intake.db import make_engine
from intake.errors import IntakeError
from intake.filemodes import make_directory_private
from intake.pickup_key import ensure_pickup_signing_key, load_pickup_signing_key
from intake.secretfiles import create_secret_files
from keys.signing import SigningKey


def counted(count: int, one: str, many: str) -> str:
    """`count` with the noun that goes with it: "1 submission", "0 submissions"."""
    return f"{count} {one if count == 1 else many}"


DATA_DIR = click.option(
    "--data-dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory holding intake's secrets, recipients file and SQLite database.",
)


@contextmanager
def errors_as_one_line() -> Iterator[None]:
    """Report intake's and keys' failures as click's one line `Error: ...`, exit status 1."""
    try:
        yield
    except (IntakeError, keys.KeysError) as error:
        # Their messages are written for the operator and name the setting, file or
        # rule at fault, never a secret: the message is all that is shown. Anything
        # else is a fault of ours and keeps its traceback.
        raise click.ClickException(str(error)) from None


class _IntakeGroup(click.Group):
    """A group whose every command reports failures through errors_as_one_line."""

    def invoke(self, ctx: click.Context) -> Any:
        with errors_as_one_line():
            return super().invoke(ctx)


def _config(data_dir: Path, **overrides: str) -> IntakeConfig:
    # The environment still supplies every other HAVEN_* setting.
    return load_config({**os.environ, "HAVEN_DATA_DIR": str(data_dir), **overrides})


def _checked_database_url(data_dir: Path) -> str:
    # For the commands that use the database alone: see load_database_url.
    return load_database_url({**os.environ, "HAVEN_DATA_DIR": str(data_dir)})


def _signing_key(data_dir: Path, *, create: bool = False) -> SigningKey:
    if create:
        return ensure_pickup_signing_key(data_dir)
    return load_pickup_signing_key(data_dir)


def _database_engine(data_dir: Path) -> Engine:
    # init and migrate run before the data directory can pass load_config.
    return make_engine(database_url(os.environ, data_dir))


def _upgrade_to_head(data_dir: Path) -> None:
    # Alembic is imported by the two commands that migrate, not by every command:
    # `pickup` runs every few minutes beside the server.
    from intake.migrate import upgrade_to_head

    upgrade_to_head(_database_engine(data_dir))


@click.group("intake", cls=_IntakeGroup)
def intake_group() -> None:
    """The online intake server reporters use."""


@intake_group.command("init")
@DATA_DIR
def init_command(data_dir: Path) -> None:
    """Create the secrets, pickup signing key and database (mode 0600) in DATA_DIR (mode 0700)."""
    create_secret_files(data_dir)
    # An existing directory keeps the mode it had (0755, as a rule): close it.
    make_directory_private(data_dir)
    signing_key = _signing_key(data_dir, create=True)
    _upgrade_to_head(data_dir)
    click.echo(f"Initialised {data_dir}.")
    click.echo(f"Put the reviewers' recipients (age1... lines) in {data_dir / RECIPIENTS_FILE}.")
    click.echo("Give the reviewers this key to pin (haven review init --intake-key ...):")
    click.echo(str(signing_key.public_key()))


@intake_group.command("migrate")
@DATA_DIR
def migrate_command(data_dir: Path) -> None:
    """Bring the database schema up to date."""
    _upgrade_to_head(data_dir)
    click.echo("Database schema is up to date.")


@intake_group.command("serve")
@DATA_DIR
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535),
              help="The TCP port to listen on.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="gunicorn worker processes.")
# The defaults are intake.serve's DEFAULT_WORKERS and DEFAULT_THREADS (imported
# lazily below: gunicorn is not loaded for the other commands).
@click.option("--threads", default=160, show_default=True, type=click.IntRange(1, 1024),
              help="Threads per worker: each request in progress (a slow upload) holds one.")
@click.option(
    "--plain-http",
    is_flag=True,
    help="Serve plain HTTP without Secure cookies (loopback only: a TLS proxy or Tor in front).",
)
def serve_command(
    data_dir: Path, host: str, port: int, workers: int, threads: int, plain_http: bool
) -> None:
    """Serve intake with gunicorn."""
    if plain_http and not is_loopback(host):
        raise click.ClickException("--plain-http is allowed only on a loopback address")
    overrides = {"HAVEN_PLAIN_HTTP": "1"} if plain_http else {}
    config = _config(data_dir, **overrides)
    from intake.serve import serve

    serve(config, host=host, port=port, workers=workers, threads=threads)


@intake_group.command("pickup")
@DATA_DIR
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the signed pickup bundle.")
@click.option(
    "--again",
    "again",
    multiple=True,
    metavar="ID",
    help="Instead of new submissions, bundle this one (picked up or skipped before) again; "
    "repeat for more.",
)
@click.option(
    "--urgent-only",
    is_flag=True,
    help="Bundle only the urgent submissions (someone in danger now); the others wait.",
)
def pickup_command(
    data_dir: Path, out: Path, again: tuple[str, ...], urgent_only: bool
) -> None:
    """Write submissions not yet picked up (or those given by --again) into a bundle at OUT.

    Urgent submissions come first in the bundle.
    """
    from intake.pickup import waiting_for_pickup, write_pickup_bundle

    if again and urgent_only:
        raise click.UsageError("--again and --urgent-only do not go together")
    database = _checked_database_url(data_dir)
    signing_key = _signing_key(data_dir)
    engine = make_engine(database)
    with _byte_bar("Writing") as progress:
        picked = write_pickup_bundle(
            engine, out, today=utc_today(), signing_key=signing_key, again=again,
            urgent_only=urgent_only, progress=progress,
        )
    if picked.submissions == 0:
        click.echo("Nothing urgent to pick up; no bundle written." if urgent_only
                   else "Nothing new to pick up; no bundle written.")
    else:
        click.echo(f"Wrote {counted(picked.submissions, 'submission', 'submissions')} to {out}, "
                   f"{picked.urgent} of them urgent (first in the bundle).")
        click.echo(f"Signed by {signing_key.public_key().fingerprint()}.")
    if urgent_only:
        left = waiting_for_pickup(engine)
        waits = counted(left.submissions, "other submission waits", "other submissions wait")
        click.echo(f"{waits} for the next pickup.")


@contextmanager
def _byte_bar(description: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar of bytes (done, total) on standard error, drawn only on a terminal.

    Standard output keeps only the command's result lines, so a script that
    reads them (or a log that collects them) never sees a bar. Off a terminal
    (a timer, a script) rich is not even imported: a tenth of a second each run.
    """
    if not sys.stderr.isatty():
        yield lambda done, total: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    console = Console(stderr=True)
    columns = (*Progress.get_default_columns()[:1], BarColumn(), DownloadColumn(),
               TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True,
                  disable=not console.is_terminal) as bar:
        task = bar.add_task(description, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


@intake_group.command("status")
@DATA_DIR
def status_command(data_dir: Path) -> None:
    """Say how many submissions wait for pickup, and how many of them are urgent."""
    from intake.pickup import waiting_for_pickup

    waiting = waiting_for_pickup(make_engine(_config(data_dir).database_url))
    waits = counted(waiting.submissions, "submission waits", "submissions wait")
    click.echo(f"{waits} for pickup, {waiting.urgent} of them urgent (someone in danger now).")
    if waiting.urgent:
        click.echo("Pick the urgent ones up first: `haven intake pickup --urgent-only --out FILE`.")


@intake_group.command("skip")
@DATA_DIR
@click.argument("submission_id", metavar="ID")
@click.confirmation_option(prompt="Never pick this submission up again (unless by --again)?")
def skip_command(data_dir: Path, submission_id: str) -> None:
    """Set aside submission ID: no later pickup includes it; retention deletes it."""
    from intake.pickup import skip_submission

    config = _config(data_dir)
    skip_submission(make_engine(config.database_url), submission_id, today=utc_today())
    click.echo(
        f"Submission {submission_id} will not be picked up again; "
        f"`haven intake pickup --again {submission_id}` still sends it until it is purged."
    )


@intake_group.command("signing-key")
@DATA_DIR
@click.option(
    "--create",
    is_flag=True,
    help="Create the key if the data directory has none (then have reviewers pin it).",
)
def signing_key_command(data_dir: Path, create: bool) -> None:
    """Print the public key that signs pickup bundles, for the reviewers to pin."""
    if not data_dir.is_dir():
        raise click.ClickException(f"{data_dir} is not a directory")
    click.echo(str(_signing_key(data_dir, create=create).public_key()))


@intake_group.command("purge")
@DATA_DIR
@click.option(
    "--retention-days",
    type=click.IntRange(min=0),
    default=None,
    help="Days to keep picked-up submissions "
    f"[default: HAVEN_RETENTION_DAYS or {default_of('retention_days')}].",
)
@click.confirmation_option(prompt="Delete picked-up submissions past retention?")
def purge_command(data_dir: Path, retention_days: int | None) -> None:
    """Delete picked-up submissions older than the retention period."""
    from intake.purge import purge_picked_up

    config = _config(data_dir)
    days = config.retention_days if retention_days is None else retention_days
    count = purge_picked_up(
        make_engine(config.database_url), today=utc_today(), retention_days=days
    )
    click.echo(f"Purged {counted(count, 'submission', 'submissions')}.")


@intake_group.command("check")
@DATA_DIR
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address `serve` will bind.")
@click.option("--plain-http", is_flag=True, envvar="HAVEN_PLAIN_HTTP",
              help="Check as `serve --plain-http` would run [default: HAVEN_PLAIN_HTTP].")
def check_command(data_dir: Path, host: str, plain_http: bool) -> None:
    """Report misconfigurations of DATA_DIR and the HAVEN_* settings; exit 1 on any error."""
    from intake.selfcheck import check_intake

    findings = check_intake(data_dir, os.environ, host=host, plain_http=plain_http)
    for finding in findings:
        click.echo(str(finding))
    errors = sum(finding.error for finding in findings)
    click.echo(f"{counted(errors, 'error', 'errors')}, "
               f"{counted(len(findings) - errors, 'warning', 'warnings')}.")
    if errors:
        raise SystemExit(1)


@intake_group.command("trust-reviewer")
@DATA_DIR
@click.argument("key_line")
def trust_reviewer_command(data_dir: Path, key_line: str) -> None:
    """Trust a reviewer's signing key (the line `haven review signing-key` prints) for replies."""
    from intake.trusted_reviewers import trust_reviewer

    reviewer = trust_reviewer(_existing_dir(data_dir), key_line)
    click.echo(f"Trusting {reviewer.key.fingerprint()} {reviewer.name}".rstrip() + " for replies.")


@intake_group.command("distrust-reviewer")
@DATA_DIR
@click.argument("fingerprint")
def distrust_reviewer_command(data_dir: Path, fingerprint: str) -> None:
    """Stop trusting the reviewer key with this SHA256:... fingerprint."""
    from intake.trusted_reviewers import distrust_reviewer

    reviewer = distrust_reviewer(_existing_dir(data_dir), fingerprint)
    click.echo(f"No longer trusting {reviewer.key.fingerprint()} {reviewer.name}".rstrip() + ".")


@intake_group.command("load-replies")
@DATA_DIR
@click.argument("bundle", type=click.Path(dir_okay=False, path_type=Path))
def load_replies_command(data_dir: Path, bundle: Path) -> None:
    """Load a signed reply bundle from review: all of its replies, or none."""
    from intake.reply_loading import load_reply_bundle
    from intake.trusted_reviewers import read_trusted_reviewers

    config = _config(data_dir)
    trusted = read_trusted_reviewers(data_dir)
    engine = make_engine(config.database_url)
    try:
        loaded = load_reply_bundle(
            engine, bundle, trusted=trusted, today=utc_today(),
            retention_days=config.retention_days,
        )  # fmt: skip
    finally:
        engine.dispose()
    if loaded.already_loaded:
        click.echo(f"Bundle {loaded.bundle_id} was already loaded; nothing changed.")
    else:
        click.echo(f"Loaded {counted(loaded.replies, 'reply', 'replies')} signed by "
                   f"{loaded.signer}.")


def _existing_dir(data_dir: Path) -> Path:
    if not data_dir.is_dir():
        raise click.ClickException(f"{data_dir} is not a directory")
    return data_dir


@intake_group.group("courier", cls=_IntakeGroup)
def courier_group() -> None:
    """Couriers: fetch pickup bundles and upload reply bundles over HTTP (HAVEN_COURIER=1)."""


@courier_group.command("add")
@DATA_DIR
@click.argument("name")
def courier_add_command(data_dir: Path, name: str) -> None:
    """Create courier NAME; print its credential and TOTP secret, once."""
    from intake.courier_credentials import add_courier

    config = _config(data_dir)
    new = add_courier(
        make_engine(config.database_url), name, secret_key=config.secret_key, today=utc_today()
    )
    click.echo(f"Courier {new.name} added. Hand these to its reviewer, once, off this server:")
    click.echo(f"credential (for --token-file): {new.credential}")
    click.echo(f"TOTP secret (for an authenticator app or --totp-secret-file): {new.totp_uri}")
    click.echo("Intake keeps only a hash of the credential: it cannot be shown again.")
    if not config.courier:
        click.echo("The courier endpoint is off: set HAVEN_COURIER=1 for `serve` to offer it.")


@courier_group.command("list")
@DATA_DIR
def courier_list_command(data_dir: Path) -> None:
    """List the couriers and the day each was added."""
    from intake.courier_credentials import list_couriers

    config = _config(data_dir)
    couriers = list_couriers(make_engine(config.database_url))
    if not couriers:
        click.echo("No couriers.")
    for entry in couriers:
        click.echo(f"{entry.name} added {entry.added_day.isoformat()}")


@courier_group.command("remove")
@DATA_DIR
@click.argument("name")
def courier_remove_command(data_dir: Path, name: str) -> None:
    """Revoke courier NAME: its next request is refused."""
    from intake.courier_credentials import remove_courier

    config = _config(data_dir)
    remove_courier(make_engine(config.database_url), name)
    click.echo(f"Courier {name} removed; its trail stays (`haven intake courier log`).")


@courier_group.command("log")
@DATA_DIR
def courier_log_command(data_dir: Path) -> None:
    """Show the trail of courier use: day, courier, what was fetched or loaded."""
    from intake.courier_audit import courier_uses

    config = _config(data_dir)
    for entry in courier_uses(make_engine(config.database_url)):
        click.echo(entry.line())
