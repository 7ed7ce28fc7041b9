"""The review app against hostile reports, half-applied changes and leaky URLs or hosts."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

import keys
from review.config import ReviewConfig
from review.pickup.importer import import_bundle
from review.triage.changes import Casework
from review.triage.record import TriageError, unseal
from review.web.app import COOKIE_PREFIX, create_app
from review.workspace.models import AuditEntry, Triage
from review.workspace.models import Reviewer as ReviewerRow
from review.workspace.store import Workspace
from tests.review.bundles import BundleWriter, Submission, encrypted_submission
from tests.review.forms import csrf_token, unlock
from tests.review.reviewers import CHEAP_WORK_FACTOR, Reviewer


def _deep_report(depth: int, recipients: list[keys.Recipient]) -> Submission:
    """A report whose one answer nests `depth` lists deep."""
    document = ('{"format":"haven-report","version":1,"language":"en","answers":{"x":'
                + "[" * depth + '"hi"' + "]" * depth + "}}").encode()
    return Submission(secrets.token_hex(16), "2025-03-14",
                      [("report.age", "report", keys.encrypt(document, recipients=recipients))])


def _import(workspace: Workspace, tmp_path: Path, *submissions: Submission) -> None:
    bundle = BundleWriter(list(submissions)).write(tmp_path / f"{submissions[0].id}.tar")
    import_bundle(workspace, bundle, actor="test")


@pytest.mark.parametrize("depth", [300, 5000])
def test_deeply_nested_report_is_one_damaged_case_not_a_broken_unlock(
    client: FlaskClient, alice: Reviewer, workspace: Workspace, tmp_path: Path, depth: int
) -> None:
    good = encrypted_submission({"narrative": "an ordinary report"}, recipients=[alice.recipient])
    deep = _deep_report(depth, [alice.recipient])
    _import(workspace, tmp_path, good, deep)
    assert unlock(client, alice) == 302
    page = client.get("/").get_data(as_text=True)
    assert good.id in page
    assert "1 case could not be read" in page and deep.id in page
    assert client.get(f"/case/{deep.id}").status_code == 404
    assert client.get(f"/case/{good.id}").status_code == 200


def test_a_link_is_saved_on_both_cases_or_neither(
    alice: Reviewer, workspace: Workspace, tmp_path: Path,
    make_reviewer: Callable[[str], Reviewer],
) -> None:
    carol = make_reviewer("carol").identity
    first = encrypted_submission({"n": "A"}, recipients=[alice.recipient, carol.recipient()])
    second = encrypted_submission({"n": "B"}, recipients=[alice.recipient, carol.recipient()])
    _import(workspace, tmp_path, first, second)
    # A note on the second case sealed before carol joined: she cannot reseal it.
    Casework(workspace, "alice", (alice.identity,)).add_note(second.id, "before carol")
    with workspace.transaction() as session:
        session.add(ReviewerRow(name="carol", recipient=str(carol.recipient())))
    with pytest.raises(TriageError, match=f"case {second.id[:8]}"):
        Casework(workspace, "carol", (carol,)).link(first.id, second.id)
    with workspace.sessions() as session:
        for case_id in (first.id, second.id):
            row = session.get(Triage, case_id)
            assert row is not None
            assert unseal(row.sealed, identities=[alice.identity]).links == ()


def test_triage_form_changes_all_fields_in_one_transaction(
    client: FlaskClient, alice: Reviewer, workspace: Workspace, tmp_path: Path
) -> None:
    case = encrypted_submission({"n": "x"}, recipients=[alice.recipient])
    _import(workspace, tmp_path, case)
    assert unlock(client, alice) == 302
    token = csrf_token(client, f"/case/{case.id}")
    # A valid status and priority with an assignee who is not a reviewer: nothing changes.
    with pytest.raises(TriageError):
        Casework(workspace, "alice", (alice.identity,)).set_triage(
            case.id, status="in_review", priority=2, assignee="mallory")
    response = client.post(f"/case/{case.id}/triage", data={
        "csrf_token": token, "status": "in_review", "priority": "2", "assignee": "bob"})
    assert response.status_code == 302
    with workspace.sessions() as session:
        row = session.get(Triage, case.id)
        assert row is not None and (row.status, row.priority, row.assignee) == (
            "in_review", 2, "bob")
        actions = [e.action for e in session.scalars(select(AuditEntry))]
    assert actions[-3:] == ["status", "priority", "assign"]


def test_links_to_cases_the_reviewer_cannot_read_are_hidden(
    client: FlaskClient, alice: Reviewer, bob: Reviewer, workspace: Workspace, tmp_path: Path
) -> None:
    shared = encrypted_submission({"n": "both"}, recipients=[alice.recipient, bob.recipient])
    private = encrypted_submission({"n": "alice only"}, recipients=[alice.recipient])
    _import(workspace, tmp_path, shared, private)
    Casework(workspace, "alice", (alice.identity,)).link(shared.id, private.id)
    assert unlock(client, bob) == 302
    page = client.get(f"/case/{shared.id}").get_data(as_text=True)
    assert private.id[:8] not in page
    assert f"/unlink/{private.id}" not in page


def test_search_terms_and_filters_never_reach_a_url(
    client: FlaskClient, alice: Reviewer, workspace: Workspace, tmp_path: Path
) -> None:
    case = encrypted_submission({"narrative": "Belleville", "country": "FR"},
                                recipients=[alice.recipient])
    _import(workspace, tmp_path, case)
    assert unlock(client, alice) == 302
    response = client.post("/view", data={"csrf_token": csrf_token(client, "/"),
                                          "q": "Belleville"})
    location = response.headers["Location"]
    assert "Belleville" not in location and re.search(r"view=[\w-]+$", location)
    page = client.get(location).get_data(as_text=True)
    assert case.id in page
    # Every link and form target on the page is free of the terms too.
    for target in re.findall(r'(?:href|action)="([^"]*)"', page):
        assert "Belleville" not in target and "FR" not in target
    assert 'method="get"' not in page
    # An id from another session (or a forged one) shows the plain inbox.
    assert case.id in client.get("/?view=forged").get_data(as_text=True)


def test_category_values_show_as_labels(
    client: FlaskClient, alice: Reviewer, workspace: Workspace, tmp_path: Path
) -> None:
    case = encrypted_submission({"categories": ["family_pressure", "something_new"]},
                                recipients=[alice.recipient])
    _import(workspace, tmp_path, case)
    assert unlock(client, alice) == 302
    for page in (client.get("/").get_data(as_text=True),
                 client.get(f"/case/{case.id}").get_data(as_text=True),
                 client.get("/dashboard").get_data(as_text=True)):
        assert "Pressure through family or friends" in page
        assert "something_new" in page  # unknown values are shown as they are
        assert ">family_pressure<" not in page


def test_serve_host_and_trusted_hosts_agree(workspace: Workspace) -> None:
    config = ReviewConfig(workspace=workspace.root, idle_seconds=600, reap_seconds=0,
                          min_work_factor=CHEAP_WORK_FACTOR, host="127.0.0.2")
    client = create_app(config).test_client()
    assert client.get("/unlock", headers={"Host": "127.0.0.2:8765"}).status_code == 200
    assert client.get("/unlock", headers={"Host": "127.0.0.3:8765"}).status_code == 400


def test_cookie_name_is_prefixed_and_differs_per_process(workspace: Workspace) -> None:
    config = ReviewConfig(workspace=workspace.root, idle_seconds=600, reap_seconds=0)
    first, second = create_app(config), create_app(config)
    names = {first.config["SESSION_COOKIE_NAME"], second.config["SESSION_COOKIE_NAME"]}
    assert len(names) == 2 and all(n.startswith(COOKIE_PREFIX) for n in names)
    json.dumps(sorted(names))  # plain strings, usable as cookie names
