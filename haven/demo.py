"""`haven demo`: a throwaway intake with a demo reviewer key, on http://127.0.0.1:8080.

The demo reviewer key is classic X25519 by default, unlike real reviewer keys
(hybrid post-quantum): the point of the demo is to show that a stored report
opens with the stock `age` tool, which does not yet speak the hybrid format.
`--post-quantum` makes it hybrid; `haven keys decrypt` then opens the files.
"""

from __future__ import annotations

from pathlib import Path

import click

import keys

DEMO_DIR = Path("haven-demo")
HOST = "127.0.0.1"


def prepare_demo(root: Path, *, post_quantum: bool) -> Path:
    """Create (or reuse) the demo directory; return the intake data directory inside it."""
    from intake.db import make_engine
    from intake.migrate import upgrade_to_head
    from intake.secretfiles import SESSION_KEY_FILE, create_secret_files

    data_dir = root / "data"
    identity_path = root / "reviewer-identity.txt"
    # The reviewer's private key lives beside, never inside, the server's data
    # directory: intake holds no reviewer secret, even in a demo.
    if not identity_path.exists():
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        identity: keys.X25519Identity | keys.HybridIdentity = (
            keys.HybridIdentity.generate() if post_quantum else keys.X25519Identity.generate()
        )
        keys.write_identity_file(identity_path, [identity])
        data_dir.mkdir(mode=0o700, exist_ok=True)
        (data_dir / "recipients.txt").write_text(
            f"# the demo reviewer ({identity_path})\n{identity.recipient()}\n"
        )
    if not (data_dir / SESSION_KEY_FILE).exists():
        create_secret_files(data_dir)
    upgrade_to_head(make_engine(f"sqlite:///{data_dir / 'intake.sqlite3'}"))
    return data_dir


def instructions(root: Path, *, port: int, post_quantum: bool) -> str:
    """Return what to do once the demo is running."""
    decrypt = (
        f"haven keys decrypt -i {root}/reviewer-identity.txt"
        if post_quantum
        else f"age -d -i {root}/reviewer-identity.txt"
    )
    return "\n".join(
        (
            f"1. Submit: open http://{HOST}:{port}/ and send a report (Ctrl-C stops the server).",
            f"2. Pick up: haven intake pickup --data-dir {root}/data --out {root}/bundle.tar",
            f"3. Unpack:  mkdir -p {root}/bundle && tar -xf {root}/bundle.tar -C {root}/bundle",
            f"4. Decrypt: {decrypt} {root}/bundle/submissions/*/report.age",
        )
    )


@click.command("demo")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@click.option("--post-quantum", is_flag=True, help="A hybrid post-quantum demo reviewer key.")
@click.option("--setup-only", is_flag=True, help="Create ./haven-demo/ without serving.")
def demo_command(port: int, post_quantum: bool, setup_only: bool) -> None:
    """Set up ./haven-demo/ and start intake with demo keys."""
    from intake.config import load_config
    from intake.serve import serve

    data_dir = prepare_demo(DEMO_DIR, post_quantum=post_quantum)
    click.echo(f"Demo data in {DEMO_DIR}/ (reviewer key: {DEMO_DIR}/reviewer-identity.txt).")
    click.echo(instructions(DEMO_DIR, port=port, post_quantum=post_quantum))
    if setup_only:
        return
    # Plain HTTP is acceptable only because the demo binds to loopback.
    config = load_config({"HAVEN_DATA_DIR": str(data_dir), "HAVEN_PLAIN_HTTP": "1"})
    serve(config, host=HOST, port=port, workers=1, threads=8)
