"""Suggested links: why two cases are linked, and a reviewer's confirm or dismiss, sealed."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from review.pickup.importer import import_bundle
from review.workspace.models import AuditEntry, Triage
from review.workspace.store import Workspace
from tests.review.bundles import BundleWriter, encrypted_submission
from tests.review.forms import csrf_token, unlock
from tests.review.reviewers import Reviewer


def _cases(workspace: Workspace, alice: Reviewer, bob: Reviewer,
           tmp_path: Path) -> dict[str, str]:
    to = [alice.recipient, bob.recipient]
    made = {
        "english": encrypted_submission({"narrative": "He called from +44 7911 123456."},
                                        recipients=to),
        "chinese": encrypted_submission({"narrative": "他用07911 123456打电话", "country": "英国"},
                                        recipients=to, language="zh-Hans"),
        "persian": encrypted_submission({"narrative": "شماره ۰۰۴۴ ۷۹۱۱ ۱۲۳۴۵۶"},
                                        recipients=to, language="fa"),
    }
    bundle = BundleWriter(list(made.values())).write(tmp_path / "bundle.tar")
    import_bundle(workspace, bundle, actor="test")
    return {name: s.id for name, s in made.items()}


def _decide(client: FlaskClient, case_id: str, other: str, decision: str,
            value: str = "+447911123456") -> int:
    response = client.post(f"/case/{case_id}/suggestion", data={
        "csrf_token": csrf_token(client, f"/case/{case_id}"), "other": other, "kind": "phone",
        "value": value, "decision": decision})
    return response.status_code


def _suggested(page: str) -> set[str]:
    return set(re.findall(r'name="other" value="([0-9a-f]{32})"', page))


def test_the_case_page_says_where_the_shared_identifier_appears(
    client: FlaskClient, workspace: Workspace, alice: Reviewer, bob: Reviewer, tmp_path: Path
) -> None:
    cases = _cases(workspace, alice, bob, tmp_path)
    assert unlock(client, alice) == 302
    page = client.get(f"/case/{cases['chinese']}").get_data(as_text=True)
    assert _suggested(page) == {cases["english"], cases["persian"]}
    # The spelling and the answer it appears in, in each case, marked.
    assert re.search(r"<mark><bdi[^>]*>07911 123456</bdi></mark>", page)
    assert re.search(r"<mark><bdi[^>]*>\+44 7911 123456</bdi></mark>", page)
    assert "What happened" in page


def test_confirmed_and_dismissed_links_survive_lock_and_unlock(
    app: Flask, client: FlaskClient, workspace: Workspace, alice: Reviewer, bob: Reviewer,
    tmp_path: Path
) -> None:
    cases = _cases(workspace, alice, bob, tmp_path)
    here = cases["chinese"]
    assert unlock(client, alice) == 302
    assert _decide(client, here, cases["english"], "confirm") == 302
    assert _decide(client, here, cases["persian"], "dismiss") == 302
    page = client.get(f"/case/{here}").get_data(as_text=True)
    assert "Suggestion dismissed" in page  # the one-time notice of the last decision
    assert "Suggestion dismissed" not in client.get(f"/case/{here}").get_data(as_text=True)

    # Sealed: nothing of the decision is readable in the database.
    with workspace.sessions() as session:
        sealed = b"".join(row.sealed or b"" for row in session.scalars(select(Triage)))
        entries = list(session.scalars(select(AuditEntry).where(
            AuditEntry.action.in_(("link-confirmed", "link-dismissed")))))
    assert b"7911" not in sealed and cases["persian"].encode() not in sealed
    assert sorted((e.action, e.subject) for e in entries) == sorted([
        ("link-confirmed", f"case:{here}"), ("link-confirmed", f"case:{cases['english']}"),
        ("link-dismissed", f"case:{here}"), ("link-dismissed", f"case:{cases['persian']}")])
    assert all("7911" not in e.detail for e in entries)

    # Another session (bob's, after alice locked): the decisions hold.
    client.post("/lock", data={"csrf_token": csrf_token(client, "/")})
    other = app.test_client()
    assert unlock(other, bob) == 302
    page = other.get(f"/case/{here}").get_data(as_text=True)
    assert _suggested(page) == set()
    assert "Confirmed link" in page
    assert cases["persian"][:8] not in page.split('id="identifiers-heading"')[1].split(
        "</section>")[0]
    assert "1 dismissed suggestion is hidden." in page
    # Dismissed from both sides; confirmed is a link on both.
    page = other.get(f"/case/{cases['persian']}").get_data(as_text=True)
    assert _suggested(page) == {cases["english"]}
    page = other.get(f"/case/{cases['english']}").get_data(as_text=True)
    assert _suggested(page) == {cases["persian"]}
    assert "Confirmed link" in page


def test_only_a_suggestion_the_page_showed_can_be_decided(
    client: FlaskClient, workspace: Workspace, alice: Reviewer, bob: Reviewer, tmp_path: Path
) -> None:
    cases = _cases(workspace, alice, bob, tmp_path)
    assert unlock(client, alice) == 302
    here = cases["chinese"]
    assert _decide(client, here, cases["english"], "confirm", value="+33612345678") == 400
    assert _decide(client, here, cases["english"], "maybe") == 400
    assert _decide(client, here, "0" * 32, "dismiss") == 400
    with workspace.sessions() as session:
        assert not list(session.scalars(select(AuditEntry).where(
            AuditEntry.action.in_(("link-confirmed", "link-dismissed")))))
