"""A bundle imported while a reviewer is unlocked shows on the next page, with a banner."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

import keys
from review.casefile import library as library_module
from review.pickup.importer import import_bundle
from review.workspace.models import AuditEntry
from review.workspace.models import Submission as SubmissionRow
from review.workspace.store import Workspace
from tests.review.bundles import BundleWriter, Submission, encrypted_follow_up, encrypted_submission
from tests.review.forms import csrf_token, unlock
from tests.review.reviewers import Reviewer


def _import(workspace: Workspace, tmp_path: Path, *submissions: Submission) -> None:
    bundle = BundleWriter(list(submissions)).write(tmp_path / f"{submissions[0].id}.tar")
    import_bundle(workspace, bundle, actor="test")


def _shown(page: str) -> set[str]:
    return set(re.findall(r'name="case" value="([0-9a-f]{32})"', page))


def test_new_reports_and_follow_ups_appear_on_the_next_page_load(
    client: FlaskClient, workspace: Workspace, alice: Reviewer, tmp_path: Path
) -> None:
    to = [alice.recipient]
    first = encrypted_submission({"narrative": "the first report"}, recipients=to)
    _import(workspace, tmp_path, first)
    assert unlock(client, alice) == 302
    page = client.get("/").get_data(as_text=True)
    assert _shown(page) == {first.id}
    assert "Arrived since you unlocked" not in page

    urgent = encrypted_submission({"narrative": "someone is at my door now"}, recipients=to,
                                  urgent=True)
    calm = encrypted_submission({"narrative": "a calm later report, 沿途跟踪"}, recipients=to)
    more = encrypted_follow_up(first.id, "they called again", recipients=to)
    _import(workspace, tmp_path, urgent, calm, more)

    page = client.get("/").get_data(as_text=True)
    assert _shown(page) == {first.id, urgent.id, calm.id}
    assert "2 new reports, 1 follow-up" in page
    assert "1 urgent" in page
    # The new cases are searchable, and the follow-up joined its case.
    response = client.post("/view", data={"csrf_token": csrf_token(client, "/"), "q": "沿途"})
    assert _shown(client.get(response.headers["Location"]).get_data(as_text=True)) == {calm.id}
    case_page = client.get(f"/case/{first.id}").get_data(as_text=True)
    assert "they called again" in case_page
    # Shown on every page until seen; then gone.
    assert "2 new reports, 1 follow-up" in case_page
    response = client.post("/arrivals/seen", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302
    assert "Arrived since you unlocked" not in client.get("/").get_data(as_text=True)
    with workspace.sessions() as session:
        indexed = list(session.scalars(select(AuditEntry).where(AuditEntry.action == "index")))
    assert [e.actor for e in indexed] == ["alice"]


def test_only_what_arrived_is_decrypted(
    client: FlaskClient, workspace: Workspace, alice: Reviewer, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    to = [alice.recipient]
    _import(workspace, tmp_path, *(encrypted_submission({"narrative": f"report {n}"},
                                                        recipients=to) for n in range(3)))
    assert unlock(client, alice) == 302
    decrypted: list[str] = []
    original = library_module._decrypt_report

    def counting(workspace: Workspace, submission: SubmissionRow,
                 identities: Sequence[keys.Identity]) -> bytes:
        decrypted.append(submission.id)
        return original(workspace, submission, identities)

    monkeypatch.setattr(library_module, "_decrypt_report", counting)
    client.get("/")
    assert decrypted == []
    late = encrypted_submission({"narrative": "late"}, recipients=to)
    _import(workspace, tmp_path, late)
    client.get("/")
    client.get("/")
    assert decrypted == [late.id]
