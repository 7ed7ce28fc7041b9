"""Follow-ups (pickup bundle version 3): they join their case, flag it as news, and count."""

from __future__ import annotations

import re
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import select

from review.casefile.library import CaseLibrary
from review.pickup.importer import import_bundle
from review.workspace.models import AuditEntry, Submission, Triage
from review.workspace.store import Workspace
from tests.review.bundles import (
    BundleWriter,
    encrypted_follow_up,
    encrypted_submission,
)
from tests.review.bundles import (
    Submission as BundledSubmission,
)
from tests.review.forms import csrf_token, unlock
from tests.review.reviewers import Reviewer


def _import(workspace: Workspace, tmp_path: Path, *submissions: BundledSubmission) -> None:
    bundle = BundleWriter(list(submissions)).write(
        tmp_path / f"{len(list(tmp_path.iterdir()))}.tar")
    import_bundle(workspace, bundle, actor="test")


def _case(alice: Reviewer, **answers: object) -> BundledSubmission:
    return encrypted_submission(
        {"narrative": "They watch my flat.", "consent": ["ngos"], "police_country": "",
         **answers}, recipients=[alice.recipient], received_day="2025-03-01")


def _search(client: FlaskClient, query: str) -> str:
    token = csrf_token(client, "/")
    response = client.post("/view", data={"csrf_token": token, "q": query},
                           follow_redirects=True)
    return response.get_data(as_text=True)


def test_follow_ups_join_their_case_in_order_and_the_latest_consent_holds(
        workspace: Workspace, alice: Reviewer, client: FlaskClient, tmp_path: Path) -> None:
    case = _case(alice)
    _import(workspace, tmp_path, case)
    first = encrypted_follow_up(case.id, "They called my mother again.",
                                recipients=[alice.recipient], received_day="2025-04-02",
                                consent={"consent": ["ngos", "lawyers"], "police_country": ""})
    # Two follow-ups of one day keep the order they came in, whatever their ids.
    second = encrypted_follow_up(case.id, "A letter came from the consulate.",
                                 recipients=[alice.recipient], received_day="2025-04-02",
                                 attachments=[("letter.png", "image/png", b"\x89PNG\r\n\x1a\n")])
    _import(workspace, tmp_path, first, second)
    with workspace.sessions() as session:
        assert session.get(Submission, first.id).follows == case.id  # type: ignore[union-attr]
        assert session.get(Triage, case.id).news is True  # type: ignore[union-attr]

    assert unlock(client, alice) == 302
    inbox = client.get("/").get_data(as_text=True)
    # One case, not three; marked as having news.
    assert case.id[:8] in inbox and first.id[:8] not in inbox and second.id[:8] not in inbox
    assert "new follow-up" in inbox

    page = client.get(f"/case/{case.id}").get_data(as_text=True)
    positions = [page.index(text) for text in (
        "First report received", "They called my mother again.",
        "A letter came from the consulate.")]
    assert positions == sorted(positions)
    assert "Changed by the follow-up of 2025-04-02" in page
    assert "Lawyers" in page
    assert "letter.png" in page and "Sent with a follow-up." in page
    assert f"/case/{case.id}/follow-up/{second.id}/download/attachment-001.age" in page

    # Opening the case cleared the flag, for every reviewer.
    with workspace.sessions() as session:
        assert session.get(Triage, case.id).news is False  # type: ignore[union-attr]
        assert session.scalars(select(AuditEntry.action).where(
            AuditEntry.action == "news-seen")).all() == ["news-seen"]
    assert "new follow-up" not in client.get("/").get_data(as_text=True)

    # The follow-up's words are searched as the case's.
    found = _search(client, "consulate")
    assert case.id[:8] in found and "1 case shown" in found


def test_a_follow_up_attachment_downloads_from_its_own_submission(
        workspace: Workspace, alice: Reviewer, client: FlaskClient, tmp_path: Path) -> None:
    case = encrypted_submission({"narrative": "x"}, recipients=[alice.recipient],
                                attachments=[("first.bin", "text/plain", b"the first file")])
    follow_up = encrypted_follow_up(case.id, "more", recipients=[alice.recipient],
                                    attachments=[("later.bin", "text/plain", b"the later file")])
    _import(workspace, tmp_path, case, follow_up)
    assert unlock(client, alice) == 302
    token = csrf_token(client, f"/case/{case.id}")
    later = client.post(f"/case/{case.id}/follow-up/{follow_up.id}/download/attachment-001.age",
                        data={"csrf_token": token})
    assert later.data == b"the later file" and "later.bin" in later.headers["Content-Disposition"]
    assert client.post(f"/case/{case.id}/download/attachment-001.age",
                       data={"csrf_token": token}).data == b"the first file"
    # Only the case's own follow-ups: another submission id is not reachable through it.
    other = encrypted_submission({"narrative": "y"}, recipients=[alice.recipient])
    _import(workspace, tmp_path, other)
    assert client.post(f"/case/{case.id}/follow-up/{other.id}/download/report.age",
                       data={"csrf_token": token}).status_code == 404
    with workspace.sessions() as session:
        subjects = set(session.scalars(select(AuditEntry.subject).where(
            AuditEntry.action == "export")))
    assert f"case:{case.id}/follow-up/{follow_up.id}/attachment-001.age" in subjects


def test_a_follow_up_of_a_missing_case_is_a_case_of_its_own(
        workspace: Workspace, alice: Reviewer, client: FlaskClient, tmp_path: Path) -> None:
    missing = "ab" * 16
    orphan = encrypted_follow_up(missing, "Did you get my first report?",
                                 recipients=[alice.recipient])
    _import(workspace, tmp_path, orphan)
    assert unlock(client, alice) == 302
    inbox = client.get("/").get_data(as_text=True)
    assert orphan.id[:8] in inbox and "follow-up of a missing case" in inbox
    page = client.get(f"/case/{orphan.id}").get_data(as_text=True)
    assert "A follow-up of a missing case." in page and missing in page
    assert "Did you get my first report?" in page
    # It cannot be answered: replies go to the case, which is not here.
    assert "This case cannot be answered" in page


def test_a_damaged_follow_up_hides_nothing_else(
        workspace: Workspace, alice: Reviewer, client: FlaskClient, tmp_path: Path) -> None:
    case = _case(alice)
    broken = encrypted_follow_up(case.id, "", recipients=[alice.recipient],
                                 document=b"[" * 5000)
    # Its encrypted copy names another case than the signed manifest: damaged too.
    misfiled = encrypted_follow_up(case.id, "", recipients=[alice.recipient],
                                   document=b'{"format": "haven-follow-up", "version": 1, '
                                            b'"follows": "' + b"cd" * 16 + b'", "message": "x"}')
    fine = encrypted_follow_up(case.id, "This one reads fine.",
                               recipients=[alice.recipient], received_day="2025-04-03")
    _import(workspace, tmp_path, case, broken, misfiled, fine)
    library = CaseLibrary.build(workspace, identities=[alice.identity])
    report = library.reports[case.id]
    assert [f.readable for f in report.follow_ups] == [False, False, True]
    assert library.damaged == []
    assert unlock(client, alice) == 302
    page = client.get(f"/case/{case.id}").get_data(as_text=True)
    assert len(re.findall("This follow-up could not be read.", page)) == 2
    assert "They watch my flat." in page and "This one reads fine." in page
    # Its consent did not change: the report's answer is in force.
    assert "As answered in the first report, 2025-03-01." in page


def test_a_follow_up_in_the_same_bundle_as_its_case_and_a_version_2_bundle(
        workspace: Workspace, alice: Reviewer, tmp_path: Path) -> None:
    case = _case(alice)
    follow_up = encrypted_follow_up(case.id, "same bundle", recipients=[alice.recipient])
    _import(workspace, tmp_path, follow_up, case)
    library = CaseLibrary.build(workspace, identities=[alice.identity])
    assert list(library.reports) == [case.id]
    assert [f.message for f in library.reports[case.id].follow_ups] == ["same bundle"]
    writer = BundleWriter([encrypted_submission({"narrative": "v2"},
                                                recipients=[alice.recipient])])
    manifest = writer.manifest()
    manifest["version"] = 2
    for entry in manifest["submissions"]:
        del entry["follows"]
    writer.manifest_override = manifest
    import_bundle(workspace, writer.write(tmp_path / "v2.tar"), actor="test")
    with workspace.sessions() as session:
        assert session.get(Submission, writer.submissions[0].id).follows is None  # type: ignore[union-attr]
