"""Corrected categories: a choice of the questionnaire's categories, and nothing else."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import select

import keys
from review.pickup.importer import import_bundle
from review.triage.record import Sealed, reviewer_set_digest, seal
from review.workspace.models import AuditEntry, Triage
from review.workspace.models import Reviewer as ReviewerRow
from review.workspace.store import Workspace
from tests.review.bundles import BundleWriter, encrypted_submission
from tests.review.forms import csrf_token, unlock
from tests.review.reviewers import Reviewer


def _case(workspace: Workspace, alice: Reviewer, tmp_path: Path) -> str:
    submission = encrypted_submission({"narrative": "x", "categories": ["threats"]},
                                      recipients=[alice.recipient])
    import_bundle(workspace, BundleWriter([submission]).write(tmp_path / "b.tar"), actor="t")
    return submission.id


def _post(client: FlaskClient, case_id: str, data: dict[str, object]) -> tuple[int, str]:
    response = client.post(f"/case/{case_id}/categories", data={
        "csrf_token": csrf_token(client, f"/case/{case_id}"), **data}, follow_redirects=True)
    return response.status_code, response.get_data(as_text=True)


def test_categories_are_ticked_from_the_questionnaires_and_saving_says_so(
    client: FlaskClient, workspace: Workspace, alice: Reviewer, tmp_path: Path
) -> None:
    case_id = _case(workspace, alice, tmp_path)
    assert unlock(client, alice) == 302
    page = client.get(f"/case/{case_id}").get_data(as_text=True)
    assert 'value="threats" id="category-threats" checked' in page
    assert page.count('name="category"') == 14
    status, page = _post(client, case_id, {"category": ["family_pressure", "threats"]})
    assert status == 200 and "Categories saved." in page
    assert "Pressure through family or friends" in page.split('class="plain categories"')[1]
    status, page = _post(client, case_id, {"reset": "1"})
    assert "Categories returned to the reporter&#39;s choice." in page


def test_anything_else_is_refused_and_changes_nothing(
    client: FlaskClient, workspace: Workspace, alice: Reviewer, tmp_path: Path
) -> None:
    case_id = _case(workspace, alice, tmp_path)
    assert unlock(client, alice) == 302
    with workspace.sessions() as session:
        before = session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))
    status, page = _post(client, case_id, {"category": ["threats", "威胁"]})
    assert status == 400
    assert "威胁 is not one of the questionnaire&#39;s categories" in page
    with workspace.sessions() as session:
        row = session.get(Triage, case_id)
        assert row is not None and row.sealed is None
        changes = session.scalars(select(AuditEntry).where(
            AuditEntry.seq > before, AuditEntry.action == "categories"))
        assert list(changes) == []


def test_an_old_free_text_correction_maps_known_keys_and_flags_the_rest(
    client: FlaskClient, workspace: Workspace, alice: Reviewer, tmp_path: Path
) -> None:
    case_id = _case(workspace, alice, tmp_path)
    # What the free-text field once saved for "Threats, 威胁" and "family pressure".
    with workspace.transaction() as session:
        recipients = [r.recipient for r in session.scalars(select(ReviewerRow))]
        row = session.get(Triage, case_id)
        assert row is not None
        row.sealed = seal(Sealed(categories=("Threats", "威胁", "family pressure")),
                          recipients=[keys.parse_recipient(r) for r in recipients])
        row.sealed_for = reviewer_set_digest(recipients)
        row.revision += 1
    assert unlock(client, alice) == 302
    page = client.get(f"/case/{case_id}").get_data(as_text=True)
    assert "Unrecognised:" in page and "威胁" in page.split("Unrecognised:")[1]
    assert 'value="threats" id="category-threats" checked' in page
    assert 'value="family_pressure" id="category-family_pressure" checked' in page
    # Not a filter of its own.
    inbox = client.get("/").get_data(as_text=True)
    assert "威胁" not in inbox.split('id="filters-heading"')[1].split("</nav>")[0]
    # The reviewer fixes it by saving the ticked categories.
    _post(client, case_id, {"category": ["threats", "family_pressure"]})
    assert "Unrecognised:" not in client.get(f"/case/{case_id}").get_data(as_text=True)
