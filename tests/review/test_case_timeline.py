"""One timeline per case: the report, follow-ups, replies, status changes, notes and link
decisions, each with its day; and every save says so once."""

from __future__ import annotations

import re
from pathlib import Path

from flask.testing import FlaskClient

from review.pickup.importer import import_bundle
from review.workspace.store import Workspace
from tests.review.bundles import BundleWriter, encrypted_follow_up, encrypted_submission
from tests.review.forms import csrf_token, unlock
from tests.review.reviewers import Reviewer


def _post(client: FlaskClient, path: str, data: dict[str, object]) -> str:
    case_page = path.rsplit("/", 1)[0]
    response = client.post(path, data={"csrf_token": csrf_token(client, case_page), **data},
                           follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_timeline_holds_every_kind_of_event_with_its_day(
    client: FlaskClient, workspace: Workspace, alice: Reviewer, tmp_path: Path
) -> None:
    to = [alice.recipient]
    case = encrypted_submission({"narrative": "call from +33 6 12 34 56 78"}, recipients=to,
                                received_day="2025-03-01")
    other = encrypted_submission({"narrative": "he used +33612345678"}, recipients=to)
    more = encrypted_follow_up(case.id, "a later message", recipients=to,
                               received_day="2025-03-04")
    import_bundle(workspace, BundleWriter([case, other, more]).write(tmp_path / "b.tar"),
                  actor="t")
    assert unlock(client, alice) == 302
    base = f"/case/{case.id}"
    notices = [
        _post(client, f"{base}/triage", {"status": "in_review", "priority": "1", "assignee": ""}),
        _post(client, f"{base}/note", {"note": "Called the reporter back."}),
        _post(client, f"{base}/tags", {"tags": "phone"}),
        _post(client, f"{base}/suggestion", {"other": other.id, "kind": "phone",
                                              "value": "+33612345678", "decision": "confirm"}),
    ]
    for page, notice in zip(notices, ("Status, priority and assignment saved.", "Note added.",
                                      "Tags saved.", "confirmed."), strict=True):
        assert re.search(r'class="flash flash-info" role="status">[^<]*' + re.escape(notice),
                         page), notice
    page = client.get(base).get_data(as_text=True)
    assert 'class="flash' not in page  # each notice shows once
    timeline = page.split('id="timeline-heading"')[1].split("</section>")[0]
    events = re.findall(r'<span class="day">([0-9-]{10})</span>\s*([^<]+)', timeline)
    kinds = [text.strip() for _day, text in events]
    assert kinds[0] == "First report received" and events[0][0] == "2025-03-01"
    assert "Follow-up from the reporter" in kinds
    assert "alice set the status to In review" in kinds
    assert "Note by alice" in kinds
    assert any(k.startswith("alice confirmed the suggested link to case") for k in kinds)
    # By day: today's reviewer events come after the reporter's earlier days.
    days = [day for day, _text in events]
    assert days == sorted(days)
