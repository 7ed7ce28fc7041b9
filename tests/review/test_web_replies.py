"""Replies through the review app: written on the case page, sealed, audited, on the timeline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

import keys
from contracts.replies import MAX_TEXT_CHARS
from review.pickup.importer import import_bundle
from review.replies.record import unseal_reply
from review.workspace.models import AuditEntry, Reply, Submission
from review.workspace.models import Reviewer as ReviewerRow
from review.workspace.store import Workspace
from tests.review.bundles import BundleWriter, encrypted_submission
from tests.review.forms import csrf_token, unlock
from tests.review.reviewers import Reviewer

CANARY = "canary-91c2 what the reporter will read"


@pytest.fixture
def answerable(workspace: Workspace, alice: Reviewer, bob: Reviewer, tmp_path: Path) -> str:
    """A case both reviewers read whose reporter gave a reply key; returns its id."""
    case = encrypted_submission({"narrative": "They called my mother."},
                                recipients=[alice.recipient, bob.recipient])
    case.reply_recipient = str(keys.HybridIdentity.generate().recipient())
    silent = encrypted_submission({"narrative": "No key."}, recipients=[alice.recipient])
    import_bundle(workspace, BundleWriter([case, silent]).write(tmp_path / "b.tar"), actor="t")
    return case.id


def _reply(client: FlaskClient, case_id: str, **fields: str) -> str:
    token = csrf_token(client, f"/case/{case_id}")
    response = client.post(f"/case/{case_id}/reply", data={"csrf_token": token, **fields},
                           follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_unlock_gives_a_reviewer_of_an_older_workspace_a_signing_key(
        client: FlaskClient, workspace: Workspace, alice: Reviewer) -> None:
    with workspace.sessions() as session:
        assert session.get(ReviewerRow, "alice").signing_key is None  # type: ignore[union-attr]
    assert unlock(client, alice) == 302
    with workspace.sessions() as session:
        row = session.get(ReviewerRow, "alice")
        assert row is not None and row.signing_key and row.sealed_signing_key
        assert keys.decrypt(row.sealed_signing_key, identities=[alice.identity])
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "signing-key")).one()
        assert entry.actor == "alice" and entry.subject == "reviewer:alice"


def test_a_reply_written_on_the_case_page(client: FlaskClient, workspace: Workspace,
                                          alice: Reviewer, bob: Reviewer,
                                          answerable: str) -> None:
    assert unlock(client, alice) == 302
    page = _reply(client, answerable, status="may_contact", text=CANARY + " <b>x</b>")
    assert "Reply saved" in page
    assert "We may contact them as they asked" in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
    assert "not sent yet" in page
    with workspace.sessions() as session:
        reply = session.scalars(select(Reply)).one()
        # Sealed to every reviewer: bob reads it too.
        assert unseal_reply(reply.sealed, identities=[bob.identity]).status == "may_contact"
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "reply")).one()
        assert json.loads(entry.facts)["reply"] == reply.id
    at_rest = b"".join(p.read_bytes() for p in workspace.root.rglob("*") if p.is_file())
    assert CANARY.encode() not in at_rest


@pytest.mark.parametrize("fields, message", [
    ({"status": "", "text": "   "}, "choose a status, write a message, or both"),
    ({"status": "lost", "text": "x"}, "choose one of the statuses"),
    ({"status": "", "text": "x" * (MAX_TEXT_CHARS + 1)}, f"at most {MAX_TEXT_CHARS}"),
])
def test_a_bad_reply_is_refused_and_saves_nothing(client: FlaskClient, workspace: Workspace,
                                                  alice: Reviewer, answerable: str,
                                                  fields: dict[str, str], message: str) -> None:
    assert unlock(client, alice) == 302
    assert message in _reply(client, answerable, **fields)
    with workspace.sessions() as session:
        assert session.scalars(select(Reply)).all() == []


def test_a_case_without_a_reply_key_offers_no_reply_form(
        client: FlaskClient, workspace: Workspace, alice: Reviewer, answerable: str) -> None:
    assert unlock(client, alice) == 302
    with workspace.sessions() as session:
        silent = session.scalars(select(Submission.id).where(
            Submission.reply_recipient.is_(None))).one()
    page = client.get(f"/case/{silent}").get_data(as_text=True)
    assert "This case cannot be answered" in page and "Save reply" not in page
    assert "cannot be answered" in _reply(client, silent, status="received", text="")
    with workspace.sessions() as session:
        assert session.scalars(select(Reply)).all() == []
