"""The inbox row: the narrative's first line, files, relatives at risk; counts follow the view."""

from __future__ import annotations

import re
from pathlib import Path

from flask.testing import FlaskClient

from review.pickup.importer import import_bundle
from review.workspace.store import Workspace
from tests.review.bundles import BundleWriter, encrypted_submission
from tests.review.forms import csrf_token, unlock
from tests.review.reviewers import Reviewer


def _row(page: str, case_id: str) -> str:
    return page.split(f'value="{case_id}"')[1].split("</tr>")[0]


def _status_counts(page: str) -> dict[str, int]:
    block = page.split("<h3>Status</h3>")[1].split("</section>")[0]
    return {label: int(count) for label, count in re.findall(
        r">([^<>]+)</button>\s*<span class=\"count\">(\d+)<", block)}


def test_rows_and_counts(
    client: FlaskClient, workspace: Workspace, alice: Reviewer, tmp_path: Path
) -> None:
    to = [alice.recipient]
    told = encrypted_submission(
        {"narrative": "\n  They waited outside the consulate.\nThen they followed me.",
         "relatives_at_risk": "not_sure"},
        recipients=to, attachments=[("a.jpg", "image/jpeg", b"x"), ("b.pdf", "text/plain", b"y")])
    spam = encrypted_submission({"narrative": "buy now"}, recipients=to)
    import_bundle(workspace, BundleWriter([told, spam]).write(tmp_path / "b.tar"), actor="t")
    assert unlock(client, alice) == 302
    page = client.get("/").get_data(as_text=True)
    row = _row(page, told.id)
    assert "They waited outside the consulate." in row and "Then they followed" not in row
    assert "2 files" in row and "not sure" in row
    assert "not answered" in _row(page, spam.id) and "none" in _row(page, spam.id)

    client.post("/bulk", data={"csrf_token": csrf_token(client, "/"), "case": [spam.id],
                               "action": "status", "status": "closed_spam"})
    # "Open cases" counts open statuses only; "All cases" counts every status.
    assert _status_counts(client.get("/").get_data(as_text=True)) == {"New": 1}
    response = client.post("/view", data={"csrf_token": csrf_token(client, "/"),
                                          "set": "status=all"})
    counts = _status_counts(client.get(response.headers["Location"]).get_data(as_text=True))
    assert counts == {"New": 1, "Closed: spam": 1}
