"""`haven demo`: the whole loop on one machine, with a demo reviewer key.

It lays out ./haven-demo/ as an operator and a reviewer would have it, the two
halves kept apart as they are in real life:

    haven-demo/data/                 the intake server's data directory
    haven-demo/reviewer-identity.age the reviewer's key, passphrase-protected
    haven-demo/reviewer-passphrase   its passphrase, for the commands that take a file
    haven-demo/review/               the offline review workspace

then serves intake on http://127.0.0.1:8080 and prints the rest of the loop.

The demo key is classic X25519 by default, unlike real reviewer keys (hybrid
post-quantum): the point of the demo is to show that a stored report opens
with the stock `age` tool, which does not speak the hybrid format yet.
`--post-quantum` makes it hybrid; `haven keys decrypt` then opens the files.
"""

from __future__ import annotations

import errno
import socket
import sys
from pathlib import Path

import click

import keys

DEMO_DIR = Path("haven-demo")
HOST = "127.0.0.1"
REVIEW_PORT = 8765
IDENTITY_FILE = "reviewer-identity.age"
# The demo passphrase in a file, for `haven review reply` and `replies`, which
# read it from one (a real reviewer keeps that file off shared disks).
PASSPHRASE_FILE = "reviewer-passphrase"  # noqa: S105 (a file name)
REVIEWER_NAME = "demo-reviewer"
# Printed on every run: this key protects nothing but demo data.
DEMO_PASSPHRASE = "demo passphrase, not for real use"  # noqa: S105 (published on purpose)


def demo_environ(data_dir: Path) -> dict[str, str]:
    """Return the whole configuration of the demo's intake: its own, never the shell's."""
    # Plain HTTP is acceptable only because the demo binds to loopback.
    return {"HAVEN_DATA_DIR": str(data_dir), "HAVEN_PLAIN_HTTP": "1"}


def prepare_demo(root: Path, *, post_quantum: bool) -> Path:
    """Create (or reuse) the demo directory; return the intake data directory inside it."""
    from intake.config import RECIPIENTS_FILE, database_url
    from intake.db import make_engine
    from intake.migrate import upgrade_to_head
    from intake.pickup_key import ensure_pickup_signing_key
    from intake.secretfiles import SESSION_KEY_FILE, create_secret_files

    data_dir = root / "data"
    recipients_file = data_dir / RECIPIENTS_FILE
    identity_path = root / IDENTITY_FILE
    # The reviewer's private key lives beside, never inside, the server's data
    # directory: intake holds no reviewer secret, even in a demo.
    if not identity_path.exists():
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        identity: keys.X25519Identity | keys.HybridIdentity = (
            keys.HybridIdentity.generate() if post_quantum else keys.X25519Identity.generate()
        )
        keys.write_identity_file(identity_path, [identity], passphrase=DEMO_PASSPHRASE)
        passphrase_path = root / PASSPHRASE_FILE
        passphrase_path.write_text(DEMO_PASSPHRASE + "\n")
        passphrase_path.chmod(0o600)
        data_dir.mkdir(mode=0o700, exist_ok=True)
        recipients_file.write_text(
            f"# the demo reviewer ({identity_path})\n{identity.recipient()}\n"
        )
    if not (data_dir / SESSION_KEY_FILE).exists():
        create_secret_files(data_dir)
    upgrade_to_head(make_engine(database_url(demo_environ(data_dir), data_dir)))
    # The demo workspace pins the demo intake's key, as reviewers pin the real one.
    intake_key = str(ensure_pickup_signing_key(data_dir).public_key())
    _prepare_review_workspace(root / "review", recipients_file, intake_key=intake_key)
    _trust_demo_reviewer(root / "review", data_dir)
    return data_dir


def _trust_demo_reviewer(workspace: Path, data_dir: Path) -> None:
    """Intake trusts the demo reviewer's reply signing key, as an operator would."""
    from intake.trusted_reviewers import read_trusted_reviewers, trust_reviewer
    from review.session.signing_keys import ensure_signing_key, public_line
    from review.workspace.models import Reviewer
    from review.workspace.store import Workspace

    with Workspace.open(workspace) as opened, opened.transaction() as session:
        reviewer = session.get(Reviewer, REVIEWER_NAME)
        assert reviewer is not None
        key = ensure_signing_key(session, reviewer, actor="demo")
    trusted = {t.key.fingerprint() for t in read_trusted_reviewers(data_dir)}
    if key.fingerprint() not in trusted:
        trust_reviewer(data_dir, public_line(key, REVIEWER_NAME))


def _prepare_review_workspace(workspace: Path, recipients_file: Path, *, intake_key: str) -> None:
    from review.cli import review_group

    if workspace.exists():
        return
    recipient = str(keys.read_recipients_file(recipients_file)[0])
    for args in (
        ["init", "--workspace", str(workspace), "--intake-key", intake_key],
        [
            "add-reviewer",
            "--workspace",
            str(workspace),
            "--name",
            REVIEWER_NAME,
            "--recipient",
            recipient,
        ],
    ):
        review_group.main(args, standalone_mode=False)


def instructions(root: Path, *, port: int, post_quantum: bool) -> str:
    """Return the rest of the loop, step by step."""
    identity = root / IDENTITY_FILE
    unlock = f"--identity {identity} --passphrase-file {root / PASSPHRASE_FILE}"
    decrypt = f"haven keys decrypt -i {identity}" if post_quantum else f"age -d -i {identity}"
    # Installed in a virtual environment (as the README does), `haven` is on the
    # PATH of another terminal only once that environment is activated.
    activate = (f"In another terminal, first: . {Path(sys.prefix) / 'bin' / 'activate'}"
                if sys.prefix != sys.base_prefix else "In another terminal:")
    return "\n".join(
        (
            activate,
            f'Demo reviewer passphrase (all of it, between the quotes): "{DEMO_PASSPHRASE}"',
            "",
            f"1. Report:  open http://{HOST}:{port}/ and send a report with a file or two.",
            "   (Ctrl-C stops intake; run `haven demo` again to restart it.)",
            f"2. Pick up: haven intake pickup --data-dir {root}/data --out {root}/bundle.tar",
            "   (a bundle of age files and a manifest: nothing in it is readable without the key)",
            f"3. Import:  haven review import {root}/bundle.tar --workspace {root}/review",
            f"4. Triage:  haven review serve --workspace {root}/review",
            f"   then open http://{HOST}:{REVIEW_PORT}/, unlock with {identity}",
            "   and the passphrase above: inbox, case, status, tags, notes, search, dashboard.",
            "   On the case page, write a reply to the reporter (a status, a text, or both),",
            f"   or from the command line: haven review cases --workspace {root}/review {unlock}",
            f"   then haven review reply CASE --status reading --workspace {root}/review {unlock}",
            f"5. Reply:   haven review replies --workspace {root}/review {unlock} "
            f"--out {root}/replies.tar",
            "   (each reply encrypted to that reporter's own key, the bundle signed by you)",
            f"6. Deliver: haven intake load-replies --data-dir {root}/data {root}/replies.tar",
            f"7. Check back: open http://{HOST}:{port}/check, enter the receipt code, read the",
            "   reply in the report's language, and add a message or a file to the same case.",
            f"8. Again:   haven intake pickup --data-dir {root}/data --out {root}/bundle2.tar",
            f"   and haven review import {root}/bundle2.tar --workspace {root}/review:",
            "   the follow-up joins its case, marked as news in the inbox.",
            f"9. Export:  haven review export CASE --workspace {root}/review {unlock}",
            f'   --for "Demo counsel" --purpose "Demo of a legal package" --out {root}/evidence',
            "   (a signed BagIt bag: originals, hashes from receipt, custody, consent, a PDF;",
            "   refused, with the reason, if the report did not consent to lawyers)",
            f"10. Verify: haven review verify {root}/evidence, then with stock tools:",
            f"    bagit.py --validate {root}/evidence; cd {root}/evidence && "
            "sha256sum -c manifest-sha256.txt",
            f"11. Audit:  haven review audit verify --workspace {root}/review",
            f"12. Stock tools: mkdir -p {root}/unpacked && tar -xf {root}/bundle.tar -C "
            f"{root}/unpacked",
            f'    for f in {root}/unpacked/submissions/*/report.age; do {decrypt} "$f"; done',
        )
    )


@click.command("demo")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535),
              help="The port the demo's intake listens on (on 127.0.0.1).")
@click.option("--post-quantum", is_flag=True, help="A hybrid post-quantum demo reviewer key.")
@click.option("--setup-only", is_flag=True, help="Create ./haven-demo/ without serving.")
def demo_command(port: int, post_quantum: bool, setup_only: bool) -> None:
    """Set up ./haven-demo/ and start intake with demo keys."""
    from intake.cli import errors_as_one_line
    from intake.config import load_config
    from intake.serve import serve

    with errors_as_one_line():
        if not setup_only:
            _require_free_port(port)
        data_dir = prepare_demo(DEMO_DIR, post_quantum=post_quantum)
        click.echo(f"Demo data in {DEMO_DIR}/ (intake data, reviewer key, review workspace).")
        click.echo(instructions(DEMO_DIR, port=port, post_quantum=post_quantum))
        if setup_only:
            return
        config = load_config(demo_environ(data_dir))
        serve(config, host=HOST, port=port, workers=1, threads=8)


def _require_free_port(port: int) -> None:
    """Stop with one line, before anything is printed, if `port` is taken on the demo's host."""
    with socket.socket() as probe:
        try:
            probe.bind((HOST, port))
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise
            suggestion = port + 1 if port < 65535 else port - 1
            raise click.ClickException(
                f"port {port} on {HOST} is already in use (another `haven demo`?); "
                f"try `haven demo --port {suggestion}`"
            ) from None
