"""`haven review`: init, reviewers (add, remove, signing-key), intake keys (trust, list,
distrust), import, remove, cases, reply, replies, check, serve, audit verify,
export and verify (evidence packages), courier."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

import click
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn
from sqlalchemy.orm import Session

import keys
import keys.signing
from contracts.replies import STATUSES as REPLY_STATUSES
from review.casefile.library import CaseLibrary
from review.cli_errors import ReviewGroup
from review.config import DEFAULT_IDLE_MINUTES, HEADS_FILE_VAR, MAX_IDLE_MINUTES, ReviewConfig
from review.errors import ReplyError, ReviewError, UnlockError
from review.export.consent import RECIPIENT_KINDS
from review.export.errors import UnknownCase
from review.export.package import (
    ExportRequest,
    Override,
    check_output,
    consent_decisions,
    export_cases,
)
from review.export.verify import opened_package, verify_bag
from review.pickup.importer import import_bundle
from review.pickup.provenance import cases_signed_by, parse_intake_key, pin, signers, unpin
from review.pickup.removal import remove_submission
from review.replies.bundle import write_reply_bundle
from review.replies.record import ReplyContent
from review.replies.writing import write_reply
from review.session.signing_keys import ensure_signing_key, public_line, unlock_signing_key
from review.session.unlock import MAX_IDENTITY_FILE_BYTES, Unlocked, match_reviewer, open_identities
from review.triage.departure import remove_reviewer
from review.web.audit_sentences import in_language, terminal_language
from review.web.audit_sentences import read as read_entry
from review.web.reporter_text import reveal_hidden
from review.web.server import LoopbackServer, loopback_address
from review.workspace import audit, audit_query
from review.workspace.audit_query import PAGE_SIZE
from review.workspace.heads import outside_workspace, publish_head, published_heads
from review.workspace.models import Reviewer
from review.workspace.store import Workspace

DEFAULT_PORT = 8765
# `haven review cases` shows this much of each story's first line.
MAX_FIRST_LINE = 80
# `haven review audit show --limit` at most: a whole log fits, a runaway number does not.
MAX_AUDIT_LIMIT = audit_query.MAX_PAGE_SIZE

def counted(count: int, one: str, many: str) -> str:
    """`count` with the noun that goes with it: "1 submission", "0 submissions"."""
    return f"{count} {one if count == 1 else many}"


workspace_option = click.option(
    "--workspace",
    "workspace_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The workspace directory.",
)


@click.group("review", cls=ReviewGroup)
def review_group() -> None:
    """The offline review workspace."""


def _intake_key(text: str | None, path: Path | None) -> keys.signing.VerifyingKey | None:
    if text is not None and path is not None:
        raise click.UsageError("give --intake-key or --intake-key-file, not both")
    if path is not None:
        text = path.read_text(encoding="utf-8")
    if text is None:
        return None
    try:
        return parse_intake_key(text)
    except keys.SignatureError as error:
        raise click.BadParameter(f"not an OpenSSH ssh-ed25519 public key: {error}",
                                 param_hint="--intake-key") from None


def _record_pin(session: Session, key: keys.signing.VerifyingKey) -> bool:
    pinned = pin(session, key)
    if pinned:
        audit.append(session, actor=getpass.getuser(), action="trust-intake",
                     subject="workspace", detail=f"{key.fingerprint()} {key}",
                     facts={"fingerprint": key.fingerprint()})
    return pinned


@review_group.command("init")
@workspace_option
@click.option("--intake-key", default=None,
              help='The intake signing key to pin ("ssh-ed25519 AAAA...", from '
                   "`haven intake signing-key`).")
@click.option("--intake-key-file", default=None,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A file holding that key line.")
def init(workspace_dir: Path, intake_key: str | None, intake_key_file: Path | None) -> None:
    """Create an empty workspace, pinning the intake key whose bundles it accepts."""
    key = _intake_key(intake_key, intake_key_file)
    # The chain starts with the workspace's own creation.
    with Workspace.create(workspace_dir) as workspace, workspace.transaction() as session:
        audit.append(session, actor=getpass.getuser(), action="init", subject="workspace")
        if key is not None:
            _record_pin(session, key)
    click.echo(f"Initialised an empty workspace in {workspace_dir}")
    if key is None:
        click.echo("No intake key is pinned yet: imports are refused until "
                   "`haven review trust-intake` pins one.")
    else:
        click.echo(f"Pinned intake key {key.fingerprint()}")


@review_group.command("trust-intake")
@workspace_option
@click.argument("key")
def trust_intake(workspace_dir: Path, key: str) -> None:
    """Pin another intake signing key (rotation: keep the old one until its bundles are in)."""
    parsed = _intake_key(key, None)
    assert parsed is not None
    with Workspace.open(workspace_dir) as workspace, workspace.transaction() as session:
        pinned = _record_pin(session, parsed)
    click.echo(f"{'Pinned' if pinned else 'Already pinned:'} intake key {parsed.fingerprint()}")


@review_group.command("intake-keys")
@workspace_option
@click.option("--cases", "cases_of", default=None, metavar="FINGERPRINT",
              help='List the cases imported from bundles this key signed ("unknown": '
                   "bundles whose signer was never recorded).")
def intake_keys(workspace_dir: Path, cases_of: str | None) -> None:
    """List the pinned intake keys, and how many bundles and cases came in under each."""
    with Workspace.open(workspace_dir) as workspace, workspace.sessions() as session:
        if cases_of is not None:
            wanted = None if cases_of == "unknown" else cases_of.strip()
            for case in cases_signed_by(session, wanted):
                click.echo(f"{case.id}  received {case.received_day}  bundle {case.bundle_id}")
            return
        found = signers(session)
    pinned = [s for s in found if s.pinned]
    if not pinned:
        click.echo("No intake key is pinned: every import is refused until "
                   "`haven review trust-intake` pins one.")
    for signer in pinned:
        click.echo(f"pinned      {signer.fingerprint}  since {signer.pinned_at or 'unknown'}  "
                   f"{counted(signer.bundles, 'bundle', 'bundles')}, "
                   f"{counted(signer.cases, 'case', 'cases')}")
        click.echo(f"            {signer.key}")
    for signer in found:
        if not signer.pinned:
            status = "unknown" if signer.fingerprint is None else "not pinned"
            click.echo(f"{status:<11} {signer.fingerprint or '(signer not recorded)'}  "
                       f"{counted(signer.bundles, 'bundle', 'bundles')}, "
                   f"{counted(signer.cases, 'case', 'cases')}")


@review_group.command("distrust-intake")
@workspace_option
@click.argument("fingerprint")
@click.confirmation_option("--yes", prompt="Refuse every bundle this intake key signs from now on?",
                           help="Confirm without prompting.")
def distrust_intake(workspace_dir: Path, fingerprint: str) -> None:
    """Unpin an intake key (by fingerprint or key line): its bundles are refused from now on.

    Cases already imported under it stay; `intake-keys --cases FINGERPRINT`
    lists them. Unpinning the last key is allowed (a key known to be stolen
    must go at once); every import is then refused until another is pinned.
    """
    with Workspace.open(workspace_dir) as workspace, workspace.transaction() as session:
        removed = unpin(session, fingerprint)
        found = signers(session)
        left = [s for s in found if s.pinned]
        kept = next((s for s in found if s.fingerprint == removed.fingerprint), None)
        imported = (f"{counted(kept.bundles, 'bundle', 'bundles')}, "
                    f"{counted(kept.cases, 'case', 'cases')}") if kept else "no bundles"
        audit.append(session, actor=getpass.getuser(), action="distrust-intake",
                     subject="workspace",
                     detail=f"{removed.fingerprint} {removed.key}; imported under it: "
                            f"{imported}")
    click.echo(f"Unpinned intake key {removed.fingerprint}; imported under it: {imported} "
               f"(they stay: `haven review intake-keys --cases {removed.fingerprint}` lists them).")
    if not left:
        click.echo("No intake key is pinned now: every import is refused until "
                   "`haven review trust-intake` pins one.")


@review_group.command("add-reviewer")
@workspace_option
@click.option("--name", required=True, help="The reviewer's name in this workspace.")
@click.option("--recipient", required=True, help="The reviewer's public key (age1... or age1pq1).")
def add_reviewer(workspace_dir: Path, name: str, recipient: str) -> None:
    """Add a reviewer: triage notes, tags and links are sealed to every reviewer."""
    name = name.strip()
    if not name or len(name) > 64 or not name.isprintable():
        raise click.BadParameter("a name has 1 to 64 printable characters", param_hint="--name")
    parsed = keys.parse_recipient(recipient.strip())
    with Workspace.open(workspace_dir) as workspace:
        existing = [keys.parse_recipient(r.recipient) for r in workspace.reviewers()]
        # Classic and post-quantum keys together would let a quantum attacker in
        # through the classic one; keys refuses the mix and so does the workspace.
        keys.check_recipients([*existing, parsed])
        with workspace.transaction() as session:
            if session.get(Reviewer, name) is not None:
                raise click.ClickException(f"there is already a reviewer named {name!r}")
            row = Reviewer(name=name, recipient=str(parsed))
            session.add(row)
            # Sealing needs only the recipient, so the reviewer's reply-signing key is
            # made now, with them, and only their identity will ever open it.
            signing = ensure_signing_key(session, row, actor=getpass.getuser(), audited=False)
            audit.append(session, actor=getpass.getuser(), action="add-reviewer",
                         subject=f"reviewer:{name}", detail=str(parsed),
                         facts={"signing_key": signing.fingerprint()})
    click.echo(f"Added reviewer {name}")
    click.echo(f"Their reply signing key (for `haven intake trust-reviewer`): "
               f"{public_line(signing, name)}")


@review_group.command("signing-key")
@workspace_option
@click.option("--reviewer", "name", required=True, help="The reviewer's name in this workspace.")
def signing_key(workspace_dir: Path, name: str) -> None:
    """Print a reviewer's reply signing key line, creating the key if the reviewer has none.

    The operator gives this line to `haven intake trust-reviewer`, so intake
    loads the reply bundles this reviewer signs.
    """
    with Workspace.open(workspace_dir) as workspace, workspace.transaction() as session:
        row = session.get(Reviewer, name)
        if row is None:
            raise click.ClickException(f"there is no reviewer named {name!r}")
        key = ensure_signing_key(session, row, actor=getpass.getuser())
    click.echo(public_line(key, name))


@review_group.command("remove-reviewer")
@workspace_option
@click.option("--name", required=True, help="The reviewer who leaves.")
@click.option("--identity", "identity_file", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A remaining reviewer's passphrase-protected identity file: it reads the "
                   "sealed triage so it can be sealed again without the leaving key.")
@click.password_option("--passphrase", confirmation_prompt=False,
                       prompt="Passphrase of that identity file",
                       help="Prompted for when not given (never put it on a command line).")
@click.confirmation_option("--yes", prompt="Remove this reviewer and reseal the triage without "
                           "their key?", help="Confirm without prompting.")
def remove_reviewer_command(workspace_dir: Path, name: str, identity_file: Path,
                            passphrase: str) -> None:
    """Remove a reviewer: sealed triage is resealed to the others, their cases unassigned.

    Stop `haven review serve` first: a session the leaving reviewer has unlocked
    keeps what it decrypted in memory until it locks.
    """
    data = identity_file.read_bytes()[:MAX_IDENTITY_FILE_BYTES + 1]
    with Workspace.open(workspace_dir) as workspace:
        # A reviewer's key, and (remove_reviewer checks) not the leaving one's.
        unlocked = match_reviewer(open_identities(data, passphrase=passphrase),
                                  workspace.reviewers())
        departure = remove_reviewer(workspace, name, identities=unlocked.identities,
                                    actor=getpass.getuser())
    click.echo(f"Removed reviewer {departure.name} ({departure.recipient}); "
               f"{counted(departure.resealed, 'triage record', 'triage records')} and "
               f"{counted(departure.replies_resealed, 'reply', 'replies')} resealed to the "
               f"remaining reviewers, {counted(departure.unassigned, 'case', 'cases')} "
               "unassigned.")
    click.echo("Now remove that recipient from intake's recipients file "
               "(docs/deploy.md, \"A reviewer leaves\").")


@review_group.command("import")
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@workspace_option
@click.option("--publish-heads", "heads_file", default=None, envvar=HEADS_FILE_VAR,
              show_envvar=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Append the audit log's head to this file, kept outside the workspace "
                   "(another disk, share or machine).")
def import_command(bundle: Path, workspace_dir: Path, heads_file: Path | None) -> None:
    """Verify a pickup bundle whole and import it; a submission review cannot take is skipped."""
    if heads_file is not None:
        outside_workspace(heads_file, workspace_dir)  # refused before anything is imported
    columns = (*Progress.get_default_columns()[:1], BarColumn(), DownloadColumn(),
               TimeRemainingColumn())
    with Workspace.open(workspace_dir) as workspace:
        with Progress(*columns, transient=True) as progress:
            # The total is unknown until the signed manifest is read; then the bar has it.
            task = progress.add_task("Verifying", total=None)
            result = import_bundle(workspace, bundle, actor=getpass.getuser(),
                                   progress=lambda n: progress.advance(task, n),
                                   total=lambda size: progress.update(task, total=size))
        click.echo(
            f"Imported bundle {result.bundle_id}: "
            f"{counted(result.added, 'new submission', 'new submissions')}, "
            f"{result.already_present} already present"
            + (f", {result.removed_earlier} removed earlier (skipped)." if result.removed_earlier
               else ".")
        )
        for skipped in result.skipped:
            click.echo(skipped.report_line())
        head = publish_head(workspace, heads_file, event=f"import {result.bundle_id}")
    # Printed every time, so the head can be written down even with no heads file.
    click.echo(f"audit head {head}" + (f" (appended to {heads_file})" if heads_file else ""))


@review_group.command("remove")
@click.argument("case_id")
@workspace_option
@click.confirmation_option("--yes", prompt="Remove this submission and its ciphertext for good?",
                           help="Confirm without prompting.")
def remove(case_id: str, workspace_dir: Path) -> None:
    """Remove a submission (forged, hostile or damaged) and its ciphertext; audited."""
    with Workspace.open(workspace_dir) as workspace:
        deleted = remove_submission(workspace, case_id, actor=getpass.getuser())
    click.echo(f"Removed submission {case_id} ({deleted} stored files deleted); "
               "importing its bundle again will not bring it back.")


@review_group.command("check")
@workspace_option
@click.option("--heads-file", "heads_file", default=None, envvar=HEADS_FILE_VAR,
              show_envvar=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where this workspace's audit heads are published.")
def check(workspace_dir: Path, heads_file: Path | None) -> None:
    """Report misconfigurations of the workspace; exit 1 on any error."""
    from review.selfcheck import check_workspace

    findings = check_workspace(workspace_dir, heads_file=heads_file)
    for finding in findings:
        click.echo(str(finding))
    errors = sum(finding.error for finding in findings)
    click.echo(f"{counted(errors, 'error', 'errors')}, "
               f"{counted(len(findings) - errors, 'warning', 'warnings')}.")
    if errors:
        raise SystemExit(1)


@review_group.command("courier")
@click.option("--url", required=True, help="Intake's address (an onion URL under torsocks).")
@click.option("--token-file", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The courier credential `haven intake courier add` printed (NAME:TOKEN).")
@click.option("--totp-secret-file", default=None,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The TOTP secret (otpauth:// URI); without it, the current code is asked for.")
@click.option("--out", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Fetch a pickup bundle to this new file.")
@click.option("--again", multiple=True, metavar="ID",
              help="With --out: fetch this submission (picked up before) again; repeat for more.")
@click.option("--upload", default=None,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Send this reply bundle (haven review replies --out) to intake.")
def courier(url: str, token_file: Path, totp_secret_file: Path | None, out: Path | None,
            again: tuple[str, ...], upload: Path | None) -> None:
    """On the online transfer machine: fetch a pickup bundle (--out) or upload replies (--upload).

    Nothing is verified here: `haven review import` checks the bundle's signature on
    the offline machine, and intake checks the reply bundle's.
    """
    from review.courier import (
        CourierLogin,
        code_from_secret_file,
        fetch_bundle,
        read_credential,
        upload_replies,
    )

    if (out is None) == (upload is None):
        raise click.UsageError("give --out (to fetch) or --upload (to send), one of them")
    if again and out is None:
        raise click.UsageError("--again goes with --out")
    credential = read_credential(token_file)
    code = (code_from_secret_file(totp_secret_file) if totp_secret_file is not None
            else click.prompt("Current TOTP code", type=str).strip())
    login = CourierLogin(credential=credential, code=code)
    if upload is not None:
        uploaded = upload_replies(url, login, upload)
        if uploaded.already_loaded:
            click.echo(f"Intake had loaded bundle {uploaded.bundle_id} before; nothing changed.")
        else:
            click.echo(f"Intake loaded {counted(uploaded.replies, 'reply', 'replies')} of bundle "
                       f"{uploaded.bundle_id}.")
        return
    assert out is not None
    columns = (*Progress.get_default_columns()[:1], BarColumn(), DownloadColumn(),
               TimeRemainingColumn())
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task("Fetching", total=None)

        def advance(count: int, total: int | None) -> None:
            progress.update(task, advance=count, total=total)

        fetched = fetch_bundle(url, login, out, again=again, progress=advance)
    if not fetched:
        click.echo("Intake has nothing new to pick up; no bundle written.")
        return
    click.echo(f"Wrote {out}. Carry it to the offline machine: `haven review import` "
               "verifies it there.")


identity_option = click.option(
    "--identity", "identity_file", required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Your passphrase-protected identity file.")
passphrase_option = click.option(
    "--passphrase-file", required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file holding the identity's passphrase (one line; keep it off shared disks).")


def _unlock(workspace: Workspace, identity_file: Path, passphrase_file: Path) -> Unlocked:
    """The reviewer an identity file and passphrase unlock, as the web unlock does."""
    data = identity_file.read_bytes()[: MAX_IDENTITY_FILE_BYTES + 1]
    passphrase = passphrase_file.read_text(encoding="utf-8").removesuffix("\n").removesuffix("\r")
    try:
        identities = open_identities(data, passphrase=passphrase)
        return match_reviewer(identities, workspace.reviewers())
    except UnlockError:
        with workspace.transaction() as session:
            audit.append(session, actor="-", action="unlock-failed", subject="workspace",
                         detail=f"command line, identity file {identity_file.name[:40]}")
        raise


def _library(workspace: Workspace, unlocked: Unlocked, purpose: str) -> CaseLibrary:
    library = CaseLibrary.build(workspace, identities=unlocked.identities)
    with workspace.transaction() as session:
        audit.append(session, actor=unlocked.reviewer, action="view", subject="workspace",
                     detail=f"decrypted {counted(len(library.reports), 'report', 'reports')} to "
                            f"{purpose} "
                            "(command line)")
    return library


def _case_id(library: CaseLibrary, given: str) -> str:
    """A case's full id from its full or short (at least 8 characters) id."""
    given = given.strip().lower()
    found = [c for c in library.reports if c.startswith(given)] if len(given) >= 8 else []
    if given in library.reports:
        return given
    if len(found) == 1:
        return found[0]
    if found:
        raise click.ClickException(
            f"{given} names {counted(len(found), 'case', 'cases')}; give more of its id")
    raise click.ClickException(f"there is no case {given} among those you can read")


@review_group.command("cases")
@workspace_option
@identity_option
@passphrase_option
def cases(workspace_dir: Path, identity_file: Path, passphrase_file: Path) -> None:
    """List the cases you can read: full id, short id, day, and the first line of the story."""
    with Workspace.open(workspace_dir) as workspace:
        unlocked = _unlock(workspace, identity_file, passphrase_file)
        library = _library(workspace, unlocked, "list the cases")
    for case_id, report in sorted(library.reports.items(),
                                  key=lambda item: (item[1].received_day, item[0])):
        first = next(iter(report.story().strip().splitlines()), "")
        # Reporter text reaches a terminal: no control or reordering character may act.
        click.echo(f"{case_id}  {case_id[:8]}  {report.received_day}  "
                   f"{reveal_hidden(first[:MAX_FIRST_LINE])}")


@review_group.command("reply")
@click.argument("case")
@workspace_option
@identity_option
@passphrase_option
@click.option("--status", type=click.Choice(REPLY_STATUSES), default=None,
              help="A canned status the reporter reads in their language.")
@click.option("--text-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="A UTF-8 file holding the reply's text.")
def reply(case: str, workspace_dir: Path, identity_file: Path, passphrase_file: Path,
          status: str | None, text_file: Path | None) -> None:
    """Write a reply to CASE (full or short id): a status, a text, or both; sent by `replies`."""
    if status is None and text_file is None:
        raise click.UsageError("give --status, --text-file, or both")
    try:
        text = text_file.read_text(encoding="utf-8") if text_file is not None else ""
    except UnicodeDecodeError:
        raise click.BadParameter("the text file is not UTF-8", param_hint="--text-file") from None
    content = ReplyContent.checked(status=status, text=text)
    with Workspace.open(workspace_dir) as workspace:
        unlocked = _unlock(workspace, identity_file, passphrase_file)
        case_id = _case_id(_library(workspace, unlocked, "find the case"), case)
        reply_id = write_reply(workspace, case_id, content, reviewer=unlocked.reviewer)
    click.echo(f"Reply {reply_id} written to case {case_id}; `haven review replies` sends it.")


@review_group.command("replies")
@workspace_option
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the reply bundle (refused if it exists).")
@identity_option
@passphrase_option
@click.option("--reviewer", "only_by", default=None,
              help="Send only the replies this reviewer wrote (default: every reply waiting).")
@click.option("--again", "again", default=None, metavar="BUNDLE_ID",
              help="Send again the replies of this bundle (one intake refused or never got), "
                   "in a new bundle, instead of the replies waiting.")
def replies(workspace_dir: Path, out: Path, identity_file: Path, passphrase_file: Path,
            only_by: str | None, again: str | None) -> None:
    """Write every reply not yet sent into a reply bundle signed with your key, for intake."""
    if out.exists() or out.is_symlink():
        raise ReplyError(f"{out} exists; a reply bundle never replaces a file")
    with Workspace.open(workspace_dir) as workspace:
        unlocked = _unlock(workspace, identity_file, passphrase_file)
        key = unlock_signing_key(workspace, reviewer=unlocked.reviewer,
                                 identity=unlocked.identity)
        sent = write_reply_bundle(workspace, out, reviewer=unlocked.reviewer,
                                  identities=unlocked.identities, signing_key=key,
                                  only_by=only_by, again=again)
    click.echo(f"Wrote reply bundle {sent.bundle_id} to {out}: "
               f"{counted(sent.replies, 'reply', 'replies')}, "
               f"sequence {sent.sequence}, signed by {unlocked.reviewer} ({sent.signer}).")
    if again is not None:
        click.echo(f"They were first sent in bundle {again}; intake loads them from whichever "
                   "of the two it gets first and refuses the other.")
    if sent.left_unreadable and again is not None:
        click.echo(f"{counted(sent.left_unreadable, 'reply', 'replies')} of bundle {again} "
                   "were sealed before you joined: a reviewer who can read them must send "
                   "them again.")
    elif sent.left_unreadable:
        click.echo(f"{counted(sent.left_unreadable, 'reply was', 'replies were')} sealed "
                   "before you joined and stay waiting until a reviewer who can read them "
                   "unlocks.")


@review_group.command("serve")
@workspace_option
@click.option("--host", default="127.0.0.1", show_default=True, help="A loopback address.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535),
              help="The TCP port to listen on.")
@click.option("--idle-minutes", default=DEFAULT_IDLE_MINUTES, show_default=True,
              type=click.FloatRange(0, MAX_IDLE_MINUTES, min_open=True),
              help="Lock a session after this long without a request.")
@click.option("--publish-heads", "heads_file", default=None,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Append the audit log's head to this file on every lock, kept outside "
                   "the workspace.")
def serve(workspace_dir: Path, host: str, port: int, idle_minutes: float,
          heads_file: Path | None) -> None:
    """Serve the review app on loopback until Ctrl-C."""
    try:
        loopback_address(host)
    except ReviewError as error:
        raise click.BadParameter(str(error), param_hint="--host") from None
    # Fail now, in the terminal, rather than inside the worker.
    Workspace.open(workspace_dir).dispose()
    if heads_file is not None:
        heads_file = outside_workspace(heads_file, workspace_dir)
    config = ReviewConfig(workspace=workspace_dir, idle_seconds=idle_minutes * 60,
                          heads_file=heads_file)
    click.echo(f"Serving {workspace_dir} on http://{loopback_address(host)}:{port}/ (Ctrl-C stops)")
    LoopbackServer(config, host=host, port=port).run()


@review_group.group("audit")
def audit_group() -> None:
    """The hash-chained audit log."""


@audit_group.command("verify")
@workspace_option
@click.option("--expect-head", "expected", multiple=True, metavar="SEQ:DIGEST",
              help="A head recorded earlier (repeatable): its entry must still be there, "
                   "unchanged; entries appended since are fine.")
@click.option("--published-heads", "heads_file", default=None,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Check every head in this heads file (what --publish-heads wrote).")
def audit_verify(workspace_dir: Path, expected: tuple[str, ...], heads_file: Path | None) -> None:
    """Check the chain and recorded heads; report the first entry that breaks either."""
    heads = [audit.Head.parse(text) for text in expected]
    if heads_file is not None:
        heads += published_heads(heads_file)
    with Workspace.open(workspace_dir) as workspace, workspace.sessions() as session:
        verdict = audit.verify(session, expected_heads=heads)
    if not verdict.intact:
        raise click.ClickException(
            f"audit log broken at entry {verdict.first_bad_seq}: {verdict.problem}"
        )
    checked = (f", {counted(len(heads), 'recorded head holds', 'recorded heads hold')}"
               if heads else "")
    click.echo(f"Audit log intact: {counted(verdict.entries, 'entry', 'entries')}{checked}, "
               f"head {verdict.head}")


@audit_group.command("show")
@workspace_option
@click.option("--case", "case", default=None, metavar="ID",
              help="Only the entries about this case: its id, or its first characters as the "
                   "inbox shows them (at least 4).")
@click.option("--limit", type=click.IntRange(1, MAX_AUDIT_LIMIT), default=PAGE_SIZE,
              show_default=True, help="Show at most this many entries, the newest.")
@click.option("--language", default=None, metavar="LANG",
              help="The language of the sentences (a catalog of review, such as fr or "
                   "zh_Hans); by default LC_ALL, LC_MESSAGES or LANG, else English.")
def audit_show(workspace_dir: Path, case: str | None, limit: int, language: str | None) -> None:
    """List the audit log's entries (entry, when, who, case, what), oldest of them first.

    One entry a line, its five columns separated by tabs, so the list stays
    easy to read for a person and for `cut` or `awk`.
    """
    with Workspace.open(workspace_dir) as workspace, workspace.sessions() as session:
        case_id = None
        if case is not None:
            case_id = audit_query.resolve_case(session, case)
            if case_id is None:
                raise click.BadParameter(
                    f"no case, or more than one, has an id starting with {reveal_hidden(case)!r}",
                    param_hint="--case")
        page = audit_query.page_of_entries(session, case_id=case_id, limit=limit)
        chosen = language or terminal_language(os.environ)
        with in_language(chosen):
            readings = [read_entry(entry) for entry in reversed(page.entries)]
            lines = ["\t".join((str(r.seq), r.when, reveal_hidden(r.who), r.short_case or "-",
                                r.sentence.text())) for r in readings]
    if page.total > len(lines):
        earlier = page.total - len(lines)
        click.echo(f"({counted(earlier, 'earlier entry', 'earlier entries')} not shown; "
                   "--limit shows more)", err=True)
    for line in lines:
        click.echo(line)


@review_group.command("export")
@click.argument("case_ids", metavar="CASE...", nargs=-1, required=True)
@workspace_option
@click.option("--for", "recipient", required=True,
              help='Who receives the package, as the audit log and package name them '
                   '("Smith & Partners, counsel for the family").')
@click.option("--kind", "recipient_kind", type=click.Choice(RECIPIENT_KINDS), default="lawyers",
              show_default=True,
              help="The kind of recipient, checked against the reporter's consent.")
@click.option("--police-country", default="",
              help="For --kind police: the country, which must be the one the reporter named.")
@click.option("--purpose", required=True, help="Why the package is made (in the audit log and "
                                               "bag-info.txt).")
@click.option("--to", "encrypt_to", default=None, metavar="age1...|age1pq1...",
              help="Seal the whole package, as one tar, in an age file to this recipient.")
@click.option("--redact", multiple=True, metavar="TEXT",
              help="A string to remove from the redacted text copy (repeatable); the "
                   "reporter's contact details are always removed from it.")
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="Where to write the package (a directory, or the age file with --to); "
                   "refused if it exists.")
@identity_option
@passphrase_option
@click.option("--override-identity", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="A second reviewer's identity file, to override a consent "
                                 "refusal.")
@click.option("--override-passphrase-file", default=None,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="That second reviewer's passphrase file.")
@click.option("--override-reason", default="",
              help="Why the export goes ahead against the consent in force (required with an "
                   "override).")
def export_command(case_ids: tuple[str, ...], workspace_dir: Path, recipient: str,
                   recipient_kind: str, police_country: str, purpose: str,
                   encrypt_to: str | None, redact: tuple[str, ...], out: Path,
                   identity_file: Path, passphrase_file: Path, override_identity: Path | None,
                   override_passphrase_file: Path | None, override_reason: str) -> None:
    """Write a signed evidence package (a BagIt bag) of CASE... for a legal team."""
    recipient_key = None
    if encrypt_to is not None:
        try:
            recipient_key = keys.parse_recipient(encrypt_to.strip())
        except keys.KeysError as error:
            raise click.BadParameter(f"not an age recipient: {error}", param_hint="--to") from None
    if (override_identity is None) != (override_passphrase_file is None):
        raise click.UsageError("an override needs both --override-identity and "
                               "--override-passphrase-file")
    if not recipient.strip() or not purpose.strip():
        raise click.UsageError("--for and --purpose must say something")
    check_output(out)
    with Workspace.open(workspace_dir) as workspace:
        unlocked = _unlock(workspace, identity_file, passphrase_file)
        library = _library(workspace, unlocked, "export evidence")
        found = tuple(dict.fromkeys(_export_case_id(library, c) for c in case_ids))
        override = None
        if override_identity is not None and override_passphrase_file is not None:
            second = _unlock(workspace, override_identity, override_passphrase_file)
            override = Override(second.reviewer, override_reason)
        request = ExportRequest(found, recipient.strip(), recipient_kind, purpose.strip(),
                                police_country=police_country, redact=redact,
                                encrypt_to=recipient_key, override=override)
        consent_decisions(library, request)
        key = unlock_signing_key(workspace, reviewer=unlocked.reviewer,
                                 identity=unlocked.identity)
        columns = (*Progress.get_default_columns()[:1], BarColumn(), DownloadColumn(),
                   TimeRemainingColumn())
        with Progress(*columns, transient=True) as progress:
            task = progress.add_task("Exporting", total=None)
            done = export_cases(
                workspace, library, request, out=out, reviewer=unlocked.reviewer,
                identities=unlocked.identities, signing_key=key,
                progress=lambda n, total: progress.update(task, completed=n, total=total))
    click.echo(f"Wrote evidence package {done.export_id} to {out}: "
               f"{counted(done.items, 'item', 'items')}, {counted(done.size, 'byte', 'bytes')} "
               f"in {done.seconds:.1f} s, signed by {unlocked.reviewer} "
               f"({done.signer}).")
    if override is not None:
        click.echo(f"Consent overridden, confirmed by {override.reviewer}: {override.reason}")
    if done.fonts_missing:
        click.echo("The summary lacks fonts for some of its text; install: "
                   + " ".join(done.fonts_missing))


def _export_case_id(library: CaseLibrary, given: str) -> str:
    try:
        return _case_id(library, given)
    except click.ClickException as error:
        raise UnknownCase(error.message) from None


@review_group.command("verify")
@click.argument("package", type=click.Path(exists=True, path_type=Path))
@click.option("--identity", "identity_file", default=None,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="For an age-sealed package: the identity file it was sealed to.")
@click.option("--passphrase-file", default=None,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="That identity file's passphrase, if it has one.")
@click.option("--signer", default=None, metavar="'ssh-ed25519 AAAA...'",
              help="The exporting reviewer's key as you got it from them: the shipped "
                   "allowed_signers must name this key.")
def verify_command(package: Path, identity_file: Path | None, passphrase_file: Path | None,
                   signer: str | None) -> None:
    """Check an evidence package (directory, tar, or age file): signature, every hash, custody."""
    pinned = None
    if signer is not None:
        try:
            pinned = keys.signing.VerifyingKey.parse(signer.strip())
        except keys.SignatureError as error:
            raise click.BadParameter(f"not an ssh-ed25519 key: {error}",
                                     param_hint="--signer") from None
    identities: list[keys.Identity] = []
    if identity_file is not None:
        secret = (passphrase_file.read_text(encoding="utf-8").removesuffix("\n")
                  if passphrase_file is not None else None)
        identities = list(keys.read_identity_file(
            identity_file, passphrase=None if secret is None else (lambda: secret)))
    with opened_package(package, identities=identities) as bag_dir:
        verdict = verify_bag(bag_dir, pinned=pinned)
    for failure in verdict.failures:
        click.echo(f"FAIL {failure}", err=True)
    if not verdict.holds:
        raise click.ClickException(f"{package} does not hold: "
                                 f"{counted(len(verdict.failures), 'problem', 'problems')}")
    click.echo(f"{package} holds: {counted(verdict.files, 'file', 'files')}, every hash, the "
               "custody chain and the "
               f"signature by {verdict.signer}.")
