"""Audit heads ("SEQ:DIGEST"): checkable as a prefix, published outside the workspace.

The chain is plain SHA-256, so these tests rewrite it the way anyone holding
the workspace could: every digest recomputed, `audit verify` alone satisfied.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select

from review.cli import review_group
from review.config import HEADS_FILE_VAR, load_config
from review.errors import ConfigError, HeadFormatError
from review.pickup.importer import import_bundle
from review.web.state import EXTENSION_KEY
from review.workspace import audit
from review.workspace.models import AuditEntry
from review.workspace.store import Workspace
from tests.review.app_state import replace_state
from tests.review.bundles import INTAKE_KEY, BundleWriter, encrypted_submission
from tests.review.forms import csrf_token, unlock
from tests.review.reviewers import Reviewer

HEAD_LINE = re.compile(r"audit head ([0-9]+:[0-9a-f]{64})")


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(review_group, list(args))
    return result.exit_code, result.output


@pytest.fixture
def ws(tmp_path: Path, alice: Reviewer) -> Path:
    """A workspace made through the CLI, with alice as reviewer."""
    root = tmp_path / "ws"
    assert _invoke("init", "--workspace", str(root),
                   "--intake-key", str(INTAKE_KEY.public_key()))[0] == 0
    assert _invoke("add-reviewer", "--workspace", str(root), "--name", "alice",
                   "--recipient", str(alice.recipient))[0] == 0
    return root


def _import(ws: Path, alice: Reviewer, tmp_path: Path, *options: str) -> str:
    """Import one new case; the head the import printed."""
    case = encrypted_submission({"n": "x"}, recipients=[alice.recipient])
    bundle = BundleWriter([case]).write(tmp_path / f"{case.id}.tar")
    code, output = _invoke("import", str(bundle), "--workspace", str(ws), *options)
    assert code == 0, output
    match = HEAD_LINE.search(output)
    assert match, output
    return match.group(1)


def _verify(ws: Path, *options: str) -> tuple[int, str]:
    return _invoke("audit", "verify", "--workspace", str(ws), *options)


def _rewrite(ws: Path, change: Callable[[list[AuditEntry]], list[AuditEntry]]) -> None:
    """Replace the chain by `change(entries)`, renumbered with every digest recomputed."""
    with Workspace.open(ws) as workspace, workspace.transaction() as session:
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        fields = [(e.at, e.actor, e.action, e.subject, e.detail, e.facts) for e in change(entries)]
        session.expunge_all()
        session.execute(delete(AuditEntry))
        previous = audit.GENESIS
        for seq, (at, actor, action, subject, detail, facts) in enumerate(fields, 1):
            digest = audit.entry_digest(seq=seq, at=at, actor=actor, action=action,
                                        subject=subject, detail=detail, previous=previous,
                                        facts=facts)
            session.add(AuditEntry(seq=seq, at=at, actor=actor, action=action, subject=subject,
                                   detail=detail, facts=facts, previous=previous, digest=digest))
            previous = digest


def test_import_prints_the_head_and_verify_shows_it(ws: Path, alice: Reviewer,
                                                    tmp_path: Path) -> None:
    head = _import(ws, alice, tmp_path)
    code, output = _verify(ws)
    assert code == 0 and output.strip().endswith(f"head {head}")
    assert head.startswith("4:")  # init, trust-intake, add-reviewer, import


def test_a_recorded_head_holds_while_the_chain_grows_honestly(ws: Path, alice: Reviewer,
                                                              tmp_path: Path) -> None:
    old = _import(ws, alice, tmp_path)
    newer = _import(ws, alice, tmp_path)
    _import(ws, alice, tmp_path)
    code, output = _verify(ws, "--expect-head", old, "--expect-head", newer)
    assert code == 0, output
    assert "2 recorded heads hold" in output


def test_an_edit_before_the_head_fails_naming_the_head_entry(ws: Path, alice: Reviewer,
                                                             tmp_path: Path) -> None:
    head = _import(ws, alice, tmp_path)
    _import(ws, alice, tmp_path)

    def forge_reviewer(entries: list[AuditEntry]) -> list[AuditEntry]:
        entries[2].detail = "age1 a key the forger holds"  # add-reviewer, entry 3
        return entries

    _rewrite(ws, forge_reviewer)
    assert _verify(ws)[0] == 0  # recomputed: the chain alone cannot tell
    code, output = _verify(ws, "--expect-head", head)
    assert code == 1
    assert f"entry 4: it does not match the recorded head {head}" in output


def test_a_full_rewrite_fails_against_a_published_head(ws: Path, alice: Reviewer,
                                                       tmp_path: Path) -> None:
    heads_file = tmp_path / "elsewhere" / "heads.txt"
    heads_file.parent.mkdir()
    first = _import(ws, alice, tmp_path, "--publish-heads", str(heads_file))
    second = _import(ws, alice, tmp_path, "--publish-heads", str(heads_file))
    lines = heads_file.read_text().splitlines()
    assert [line.split("\t")[0] for line in lines] == [first, second]
    assert all(line.split("\t")[2].startswith("import ") for line in lines)
    assert _verify(ws, "--published-heads", str(heads_file))[0] == 0

    # The first import never happened, as far as the rewritten workspace says.
    _rewrite(ws, lambda entries: [e for e in entries if e.seq != 4])
    assert _verify(ws)[0] == 0
    code, output = _verify(ws, "--published-heads", str(heads_file))
    assert code == 1 and "audit log broken at entry 4" in output and first in output


def test_entries_after_the_last_published_head_can_be_dropped_unseen(
    ws: Path, alice: Reviewer, tmp_path: Path
) -> None:
    # The documented limit: a published head commits to nothing after it.
    heads_file = tmp_path / "heads.txt"
    published = _import(ws, alice, tmp_path, "--publish-heads", str(heads_file))
    _import(ws, alice, tmp_path)  # not published
    _rewrite(ws, lambda entries: entries[:4])
    code, output = _verify(ws, "--published-heads", str(heads_file))
    assert code == 0 and output.strip().endswith(f"head {published}")


def test_a_chain_cut_short_of_a_recorded_head_fails(ws: Path, alice: Reviewer,
                                                    tmp_path: Path) -> None:
    head = _import(ws, alice, tmp_path)
    _rewrite(ws, lambda entries: entries[:3])
    code, output = _verify(ws, "--expect-head", head)
    assert code == 1 and "entry 4" in output and "ends at entry 3" in output


def test_a_heads_file_inside_the_workspace_is_refused(ws: Path, alice: Reviewer,
                                                      tmp_path: Path) -> None:
    case = encrypted_submission({"n": "x"}, recipients=[alice.recipient])
    bundle = BundleWriter([case]).write(tmp_path / "b.tar")
    code, output = _invoke("import", str(bundle), "--workspace", str(ws),
                           "--publish-heads", str(ws / "heads.txt"))
    assert code == 1 and "inside the workspace" in output
    assert _verify(ws)[1].count("3 entries") == 1  # nothing imported
    with pytest.raises(ConfigError, match=HEADS_FILE_VAR):
        load_config({"HAVEN_REVIEW_WORKSPACE": str(ws), HEADS_FILE_VAR: str(ws / "h")})


def test_the_heads_file_default_comes_from_the_environment(ws: Path, alice: Reviewer,
                                                           tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    heads_file = tmp_path / "heads.txt"
    monkeypatch.setenv(HEADS_FILE_VAR, str(heads_file))
    head = _import(ws, alice, tmp_path)
    assert heads_file.read_text().split("\t")[0] == head
    assert load_config({"HAVEN_REVIEW_WORKSPACE": str(ws),
                        HEADS_FILE_VAR: str(heads_file)}).heads_file == heads_file.resolve()


def test_lock_publishes_the_head(app: Flask, client: FlaskClient, alice: Reviewer,
                                 workspace: Workspace, tmp_path: Path) -> None:
    heads_file = tmp_path / "heads.txt"
    config = app.extensions[EXTENSION_KEY].config
    replace_state(app, config=dataclasses.replace(config, heads_file=heads_file))
    case = encrypted_submission({"n": "x"}, recipients=[alice.recipient])
    import_bundle(workspace, BundleWriter([case]).write(tmp_path / "b.tar"), actor="test")
    assert unlock(client, alice) == 302
    assert client.get(f"/case/{case.id}").status_code == 200
    locked = client.post("/lock", data={"csrf_token": csrf_token(client, "/")},
                         follow_redirects=True)
    with workspace.sessions() as session:
        head = audit.current_head(session)
        assert session.get(AuditEntry, head.seq).action == "view"  # type: ignore[union-attr]
    published, _, event = heads_file.read_text().strip().split("\t")
    assert (published, event) == (str(head), "lock")
    assert str(head) in locked.get_data(as_text=True)


@pytest.mark.parametrize("text", ["", "12", "abc:" + "0" * 64, "12:" + "0" * 63,
                                  "12:" + "A" * 64, "١٢:" + "0" * 64, "12:" + "0" * 64 + "0"])
def test_malformed_heads_are_refused(text: str) -> None:
    with pytest.raises(HeadFormatError, match="SEQ:DIGEST"):
        audit.Head.parse(text)


@pytest.mark.parametrize("seq", [0, 1, 10**17])
def test_a_head_round_trips(seq: int) -> None:
    head = audit.Head(seq, "ab" * 32)
    assert audit.Head.parse(str(head)) == head
