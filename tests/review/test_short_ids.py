"""Short ids work wherever the inbox shows them, and a jump-to-case box opens one."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from review.pickup.importer import import_bundle
from review.workspace.store import Workspace
from tests.review.bundles import BundleWriter, encrypted_submission
from tests.review.forms import csrf_token, unlock
from tests.review.reviewers import Reviewer


def _cases(workspace: Workspace, alice: Reviewer, tmp_path: Path) -> list[str]:
    made = [encrypted_submission({"narrative": f"report {n}"}, recipients=[alice.recipient])
            for n in range(2)]
    import_bundle(workspace, BundleWriter(made).write(tmp_path / "b.tar"), actor="t")
    return [s.id for s in made]


def test_a_short_id_opens_its_case(
    client: FlaskClient, workspace: Workspace, alice: Reviewer, tmp_path: Path
) -> None:
    first, second = _cases(workspace, alice, tmp_path)
    assert unlock(client, alice) == 302
    assert f"<code>{first[:8]}</code>" in client.get("/").get_data(as_text=True)
    response = client.get(f"/case/{first[:8]}")
    assert response.status_code == 302 and response.headers["Location"] == f"/case/{first}"
    assert client.get("/case/zzzzzzzz").status_code == 404
    token = csrf_token(client, "/")
    response = client.post("/jump", data={"csrf_token": token, "case_id": f" {second[:8]} "})
    assert response.headers["Location"] == f"/case/{second}"
    page = client.post("/jump", data={"csrf_token": token, "case_id": "ffffffff0"},
                       follow_redirects=True).get_data(as_text=True)
    assert "No case you can read has an id that starts with ffffffff0" in page


def test_the_link_form_takes_a_short_id(
    client: FlaskClient, workspace: Workspace, alice: Reviewer, tmp_path: Path
) -> None:
    first, second = _cases(workspace, alice, tmp_path)
    assert unlock(client, alice) == 302
    page = client.post(f"/case/{first}/link", data={
        "csrf_token": csrf_token(client, f"/case/{first}"), "other": second[:8]},
        follow_redirects=True).get_data(as_text=True)
    assert f"Linked to case {second[:8]}." in page
    assert f'href="/case/{second}"' in page.split('class="plain links"')[1]
