"""The evidence export from the case view: the form, the package in exports/, consent."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from review.export.verify import verify_bag
from review.workspace.store import Workspace
from tests.review.evidence import make_case
from tests.review.forms import csrf_token, unlock
from tests.review.reviewers import Reviewer


@pytest.mark.parametrize("key_kind", ["x25519"], indirect=True)
def test_the_case_view_writes_a_package_into_exports(
        client: FlaskClient, workspace: Workspace, alice: Reviewer, bob: Reviewer,
        tmp_path: Path) -> None:
    case = make_case(workspace, alice, bob, tmp_path)
    assert unlock(client, alice) == 302
    page = client.get(f"/case/{case.case_id}").get_data(as_text=True)
    assert "Evidence package" in page and str(workspace.root / "exports") in page
    token = csrf_token(client, f"/case/{case.case_id}")
    refused = client.post(f"/case/{case.case_id}/evidence", data={
        "csrf_token": token, "recipient": "A newspaper", "kind": "journalists",
        "purpose": "a story"}, follow_redirects=True).get_data(as_text=True)
    assert "consent does not cover Journalists" in refused
    assert not (workspace.root / "exports").exists() or not any(
        (workspace.root / "exports").iterdir())
    written = client.post(f"/case/{case.case_id}/evidence", data={
        "csrf_token": token, "recipient": "Counsel for A.", "kind": "lawyers",
        "purpose": "court filing"}, follow_redirects=True).get_data(as_text=True)
    packages = list((workspace.root / "exports").iterdir())
    assert len(packages) == 1 and str(packages[0]) in written
    assert verify_bag(packages[0]).holds


@pytest.mark.parametrize("key_kind", ["x25519"], indirect=True)
def test_a_case_whose_status_changed_exports_too(
        client: FlaskClient, workspace: Workspace, alice: Reviewer, bob: Reviewer,
        tmp_path: Path) -> None:
    # The summary's timeline once took a reviewer's status change for a reply and failed.
    case = make_case(workspace, alice, bob, tmp_path)
    assert unlock(client, alice) == 302
    token = csrf_token(client, f"/case/{case.case_id}")
    assert client.post(f"/case/{case.case_id}/triage", data={
        "csrf_token": token, "status": "in_review", "priority": "1",
        "assignee": "alice"}).status_code == 302
    written = client.post(f"/case/{case.case_id}/evidence", data={
        "csrf_token": token, "recipient": "Counsel for A.", "kind": "lawyers",
        "purpose": "court filing"}, follow_redirects=True)
    assert written.status_code == 200
    (package,) = (workspace.root / "exports").iterdir()
    assert str(package) in written.get_data(as_text=True)
    assert verify_bag(package).holds
