"""The review app through the Flask client: unlock, inbox, case view, triage, idle lock."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select

from review.pickup.importer import import_bundle
from review.session.unlock import Throttle
from review.session.vault import Vault
from review.workspace import audit
from review.workspace.models import AuditEntry, Triage
from review.workspace.models import Reviewer as ReviewerRow
from review.workspace.store import Workspace
from tests.review.app_state import replace_state
from tests.review.bundles import BundleWriter, Submission, encrypted_submission
from tests.review.forms import csrf_token, unlock
from tests.review.reviewers import PASSPHRASE, Reviewer

XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'><svg onload=alert(3)>"
JPEG_WITH_GPS_NAME = "photo.jpg"


def _import(workspace: Workspace, tmp_path: Path, *submissions: Submission) -> None:
    bundle = BundleWriter(list(submissions)).write(tmp_path / f"{submissions[0].id}.tar")
    import_bundle(workspace, bundle, actor="test")


@pytest.fixture
def cases(workspace: Workspace, alice: Reviewer, bob: Reviewer, tmp_path: Path) -> dict[str, str]:
    """Four cases: an urgent one, two ordinary ones, and one for alice only."""
    both = [alice.recipient, bob.recipient]
    urgent = encrypted_submission(
        {
            "narrative": "他们在巴黎跟踪我。电话 +33 6 12 34 56 78",
            "categories": ["surveillance"],
            "state": "China",
            "country": "FR",
        },
        recipients=both,
        urgent=True,
        language="zh-Hans",
        received_day="2025-01-02",
    )
    plain = encrypted_submission(
        {
            "narrative": "A man called from +33612345678 and threatened my family.",
            "categories": ["threats"],
            "state": "China",
            "country": "FR",
        },
        recipients=both,
        received_day="2025-02-01",
    )
    uyghur = encrypted_submission(
        {
            "narrative": "ئۇلار مېنىڭ ئائىلەمگە تەھدىت سالدى",
            "categories": ["family_pressure"],
            "state": "China",
            "country": "DE",
        },
        recipients=both,
        language="ug",
        received_day="2025-02-10",
    )
    private = encrypted_submission(
        {
            "narrative": "only alice may read this secret narrative",
            "categories": ["legal"],
            "state": "Russia",
            "country": "FR",
        },
        recipients=[alice.recipient],
        received_day="2025-03-01",
    )
    _import(workspace, tmp_path, urgent, plain, uyghur, private)
    return {"urgent": urgent.id, "plain": plain.id, "uyghur": uyghur.id, "private": private.id}


def _post(client: FlaskClient, path: str, data: dict[str, object]) -> str:
    response = client.post(
        path, data={"csrf_token": csrf_token(client, "/"), **data}, follow_redirects=True
    )
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _inbox(client: FlaskClient, *, q: str | None = None, **filters: str) -> str:
    """The inbox after searching and filtering by POST, as the page's forms do."""
    view = ""
    changes: list[dict[str, str]] = [{"q": q}] if q is not None else []
    changes += [{"set": f"{facet}={value}"} for facet, value in filters.items()]
    for change in changes:
        response = client.post(
            "/view", data={"csrf_token": csrf_token(client, "/"), "view": view, **change}
        )
        assert response.status_code == 302
        location = response.headers["Location"]
        # The URL carries an opaque id, never the search terms or filter values.
        for value in change.values():
            assert value.split("=")[-1] not in location
        view = location.split("view=")[1]
    return client.get(f"/?view={view}" if view else "/").get_data(as_text=True)


def test_locked_workspace_redirects_to_unlock(client: FlaskClient, cases: dict[str, str]) -> None:
    for path in ["/", "/dashboard", f"/case/{cases['plain']}"]:
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/unlock")


def test_wrong_passphrase_is_audited_and_answered_429_without_sleeping(
    app: Flask, client: FlaskClient, alice: Reviewer, bob: Reviewer, workspace: Workspace
) -> None:
    now = [0.0]
    replace_state(app, throttle=Throttle(base=2.0, cap=30.0, clock=lambda: now[0]))
    started = time.monotonic()
    assert unlock(client, alice, passphrase="wrong") == 401
    # The same file must now wait: refused at once with Retry-After, even with
    # the right passphrase, and no worker thread slept.
    data = {
        "csrf_token": csrf_token(client),
        "passphrase": PASSPHRASE,
        "identity": (io.BytesIO(alice.identity_file.read_bytes()), "key.age"),
    }
    refused = client.post("/unlock", data=data, content_type="multipart/form-data")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "2"
    assert time.monotonic() - started < 2.0
    # Another reviewer's file is not held up by alice's failures.
    assert unlock(client, bob) == 302
    now[0] = 2.0
    assert unlock(app.test_client(), alice) == 302
    with workspace.sessions() as db:
        actions = [e.action for e in db.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    assert actions.count("unlock-failed") == 1


def test_unknown_key_cannot_unlock(
    client: FlaskClient, make_reviewer: Callable[[str], Reviewer]
) -> None:
    assert unlock(client, make_reviewer("mallory")) == 401


def test_plain_identity_file_is_refused(
    client: FlaskClient, alice: Reviewer, tmp_path: Path
) -> None:
    plain = tmp_path / "plain.txt"
    plain.write_text(str(alice.identity) + "\n")
    exposed = Reviewer("alice", alice.identity, plain)
    assert unlock(client, exposed) == 401


def test_passphrase_is_never_stored(
    app: Flask, client: FlaskClient, alice: Reviewer, workspace: Workspace, cases: dict[str, str]
) -> None:
    assert unlock(client, alice) == 302
    _post(client, f"/case/{cases['plain']}/note", {"note": "checked"})
    files = [p for p in workspace.root.rglob("*") if p.is_file()]
    for path in files:
        assert b"correct horse" not in path.read_bytes()


def test_inbox_puts_urgent_first_and_counts(
    client: FlaskClient, alice: Reviewer, cases: dict[str, str]
) -> None:
    assert unlock(client, alice) == 302
    page = client.get("/").get_data(as_text=True)
    order = re.findall(r'name="case" value="([0-9a-f]{32})"', page)
    assert order[0] == cases["urgent"]
    assert set(order) == set(cases.values())
    assert "Immediate danger" in page


def test_reviewer_does_not_see_cases_not_encrypted_to_them(
    client: FlaskClient, bob: Reviewer, cases: dict[str, str]
) -> None:
    assert unlock(client, bob) == 302
    page = client.get("/").get_data(as_text=True)
    assert cases["private"] not in page
    assert "1 case in this workspace is not encrypted to your key" in page
    assert client.get(f"/case/{cases['private']}").status_code == 404
    assert cases["private"] not in _inbox(client, q="secret narrative")
    # Nor may bob change it through a forged form.
    _post(client, "/bulk", {"case": cases["private"], "action": "status", "status": "closed_spam"})


def test_bulk_forged_case_changes_nothing(
    client: FlaskClient, bob: Reviewer, workspace: Workspace, cases: dict[str, str]
) -> None:
    assert unlock(client, bob) == 302
    page = _post(
        client,
        "/bulk",
        {"case": [cases["private"], cases["plain"]], "action": "status", "status": "closed_spam"},
    )
    assert "Tick at least one case" in page
    with workspace.sessions() as session:
        assert {t.status for t in session.scalars(select(Triage))} == {"new"}


def test_filters_and_counts(client: FlaskClient, alice: Reviewer, cases: dict[str, str]) -> None:
    assert unlock(client, alice) == 302
    page = _inbox(client, country="FR")
    shown = set(re.findall(r'name="case" value="([0-9a-f]{32})"', page))
    assert shown == {cases["urgent"], cases["plain"], cases["private"]}
    # The state facet counts under the country filter: China 2, Russia 1.
    state_block = page.split("State behind it")[1].split("</section>")[0]
    assert re.search(r"China</bdi></button>\s*<span class=\"count\">2<", state_block)
    assert re.search(r"Russia</bdi></button>\s*<span class=\"count\">1<", state_block)
    page = _inbox(client, category="threats")
    assert set(re.findall(r'name="case" value="([0-9a-f]{32})"', page)) == {cases["plain"]}


def test_bulk_actions_then_filters(
    client: FlaskClient, alice: Reviewer, cases: dict[str, str]
) -> None:
    assert unlock(client, alice) == 302
    chosen = [cases["plain"], cases["uyghur"]]
    _post(client, "/bulk", {"case": chosen, "action": "assign", "assignee": "bob"})
    _post(client, "/bulk", {"case": chosen, "action": "tag", "tags": "family, paris"})
    _post(client, "/bulk", {"case": [cases["plain"]], "action": "status", "status": "in_review"})
    shown = re.findall(
        r'name="case" value="([0-9a-f]{32})"', _inbox(client, assignee="bob", tag="family")
    )
    assert set(shown) == set(chosen)
    shown = re.findall(r'name="case" value="([0-9a-f]{32})"', _inbox(client, status="in_review"))
    assert shown == [cases["plain"]]
    _post(client, "/bulk", {"case": [cases["plain"]], "action": "status", "status": "closed_spam"})
    assert cases["plain"] not in client.get("/").get_data(as_text=True)
    assert cases["plain"] in _inbox(client, status="closed")


def test_bulk_form_has_a_labelled_control_and_button_per_action(
    client: FlaskClient, alice: Reviewer, cases: dict[str, str]
) -> None:
    assert unlock(client, alice) == 302
    page = client.get("/").get_data(as_text=True)
    bulk = page.split('<fieldset class="bulk">')[1].split("</form>")[0]
    # The case checkboxes are in the same form as the actions.
    form = page.split('action="/bulk"')[1].split("</form>")[0]
    assert form.count('name="case"') == len(cases)
    assert re.findall(r'<button type="submit" name="action" value="(\w+)">', bulk) == [
        "status",
        "priority",
        "assign",
        "tag",
    ]
    assert bulk.count('<fieldset class="bulk-action">') == 4
    # Enter in a field submits through the first button, which applies nothing.
    assert (
        bulk.lstrip()
        .split("</legend>")[1]
        .lstrip()
        .startswith('<button type="submit" disabled hidden></button>')
    )
    status = bulk.split('id="bulk-status"')[1].split("</select>")[0]
    assert '<option value="in_review">In review</option>' in status
    assert '<option value="closed_spam">Closed: spam</option>' in status
    priority = bulk.split('id="bulk-priority"')[1].split("</select>")[0]
    assert re.findall(r'<option value="(\d)">(\w+)</option>', priority) == [
        ("0", "Normal"),
        ("1", "High"),
        ("2", "Highest"),
    ]
    assignee = bulk.split('id="bulk-assignee"')[1].split("</select>")[0]
    assert re.findall(r'<option value="(\w*)">(\w+)</option>', assignee) == [
        ("", "nobody"),
        ("alice", "alice"),
        ("bob", "bob"),
    ]
    assert 'id="bulk-tags"' in bulk and 'name="value"' not in page


def _triage_rows(workspace: Workspace) -> dict[str, tuple[str, int, str | None]]:
    with workspace.sessions() as session:
        return {
            t.submission_id: (t.status, t.priority, t.assignee)
            for t in session.scalars(select(Triage))
        }


def _revisions(workspace: Workspace) -> dict[str, tuple[int, bytes | None]]:
    with workspace.sessions() as session:
        return {t.submission_id: (t.revision, t.sealed) for t in session.scalars(select(Triage))}


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"action": "status", "status": "in_revue"}, "unknown status 'in_revue'"),
        ({"action": "status"}, "no status given"),
        ({"action": "priority", "priority": "7"}, "unknown priority 7"),
        ({"action": "priority", "priority": "high"}, "unknown priority 'high'"),
        ({"action": "assign", "assignee": "mallory"}, "'mallory' is not a reviewer"),
        ({"action": "tag", "tags": " , "}, "give at least one tag"),
        ({"action": "tag", "tags": "x" * 65}, "a tag is longer than 64 characters"),
        ({"action": "tag", "tags": "x," * 1001}, "the tags are longer than 2000 characters"),
        ({"action": "delete", "status": "closed_spam"}, "unknown action 'delete'"),
        ({"status": "closed_spam"}, "unknown action ''"),
    ],
)
def test_bulk_refuses_unknown_values_and_changes_nothing(
    client: FlaskClient,
    alice: Reviewer,
    workspace: Workspace,
    cases: dict[str, str],
    data: dict[str, str],
    reason: str,
) -> None:
    assert unlock(client, alice) == 302
    before = _revisions(workspace)
    # Every control is sent, as a browser does; only the pressed action's field counts.
    page = _post(
        client,
        "/bulk",
        {
            "case": [cases["plain"], cases["uyghur"]],
            "priority": "2",
            "assignee": "bob",
            "tags": "kept",
            **data,
        },
    )
    assert "That action could not be applied" in page
    assert str(escape(reason)) in page
    assert _revisions(workspace) == before


def test_bulk_reads_only_the_field_of_the_pressed_button(
    client: FlaskClient, alice: Reviewer, workspace: Workspace, cases: dict[str, str]
) -> None:
    assert unlock(client, alice) == 302
    chosen = [cases["plain"], cases["uyghur"]]
    every_field = {"status": "closed_spam", "priority": "2", "assignee": "bob", "tags": "x"}
    page = _post(client, "/bulk", {"case": chosen, **every_field, "action": "priority"})
    assert "Updated 2 cases." in page
    rows = _triage_rows(workspace)
    assert all(rows[c] == ("new", 2, None) for c in chosen)
    _post(client, "/bulk", {"case": chosen, **every_field, "action": "assign", "assignee": ""})
    _post(client, "/bulk", {"case": chosen, **every_field, "action": "assign"})
    rows = _triage_rows(workspace)
    assert all(rows[c] == ("new", 2, "bob") for c in chosen)


def test_search_in_every_script(
    client: FlaskClient, alice: Reviewer, cases: dict[str, str]
) -> None:
    assert unlock(client, alice) == 302
    for query, expected in [
        ("巴黎", "urgent"),
        ("跟踪", "urgent"),
        ("تەھدىت", "uyghur"),
        ("THREATENED family", "plain"),
    ]:
        page = _inbox(client, q=query, status="all")
        shown = re.findall(r'name="case" value="([0-9a-f]{32})"', page)
        assert shown == [cases[expected]], query


def test_case_view_shows_direction_related_and_audits(
    client: FlaskClient, alice: Reviewer, workspace: Workspace, cases: dict[str, str]
) -> None:
    assert unlock(client, alice) == 302
    page = client.get(f"/case/{cases['uyghur']}").get_data(as_text=True)
    assert 'lang="ug" dir="rtl"' in page
    page = client.get(f"/case/{cases['plain']}").get_data(as_text=True)
    assert 'lang="en" dir="ltr"' in page
    # The same number written two ways links the two reports.
    assert "+33612345678" in page
    assert f"/case/{cases['urgent']}" in page
    with workspace.sessions() as session:
        entries = list(session.scalars(select(AuditEntry)))
        assert audit.verify(session).intact
    assert [(e.actor, e.action) for e in entries][-3:] == [
        ("alice", "unlock"),
        ("alice", "view"),
        ("alice", "view"),
    ]


def test_triage_changes_are_sealed_at_rest(
    client: FlaskClient,
    alice: Reviewer,
    bob: Reviewer,
    app: Flask,
    workspace: Workspace,
    cases: dict[str, str],
) -> None:
    case = cases["plain"]
    assert unlock(client, alice) == 302
    _post(client, f"/case/{case}/note", {"note": "Harasser drives a grey van SENTINEL-NOTE"})
    _post(client, f"/case/{case}/tags", {"tags": "SENTINEL-TAG, van"})
    _post(client, f"/case/{case}/categories", {"category": ["threats", "informant"]})
    _post(client, f"/case/{case}/link", {"other": cases["urgent"]})
    _post(
        client,
        f"/case/{case}/triage",
        {"status": "needs_information", "priority": "2", "assignee": "bob"},
    )
    page = client.get(f"/case/{case}").get_data(as_text=True)
    assert "SENTINEL-NOTE" in page and "SENTINEL-TAG" in page
    assert "Corrected by a reviewer" in page
    assert 'value="informant" id="category-informant" checked' in page
    assert f"/case/{cases['urgent']}" in page
    for path in workspace.root.rglob("*"):
        if path.is_file():
            assert b"SENTINEL" not in path.read_bytes(), path
            assert b"informant" not in path.read_bytes(), path
    with workspace.sessions() as session:
        row = session.get(Triage, case)
        assert row is not None
        assert (row.status, row.priority, row.assignee) == ("needs_information", 2, "bob")
        details = " ".join(e.detail for e in session.scalars(select(AuditEntry)))
        assert "SENTINEL" not in details
    # Bob, a reviewer of the case, reads what alice wrote; the link shows on both cases.
    other = app.test_client()
    assert unlock(other, bob) == 302
    assert "SENTINEL-NOTE" in other.get(f"/case/{case}").get_data(as_text=True)
    assert f"/case/{case}" in other.get(f"/case/{cases['urgent']}").get_data(as_text=True)


def test_script_in_every_answer_is_inert(
    client: FlaskClient, alice: Reviewer, workspace: Workspace, tmp_path: Path
) -> None:
    answers = {name: XSS for name in ["narrative", "state", "country", "when", "identifiers"]}
    answers["categories"] = [XSS]
    answers[XSS] = {XSS: [XSS]}
    hostile = encrypted_submission(
        answers,
        recipients=[alice.recipient],
        language=XSS,
        attachments=[(XSS, "text/html", b"<script>alert(4)</script>")],
    )
    _import(workspace, tmp_path, hostile)
    assert unlock(client, alice) == 302
    _post(client, f"/case/{hostile.id}/note", {"note": XSS})
    _post(client, f"/case/{hostile.id}/tags", {"tags": XSS})
    pages = {"inbox": _inbox(client, status="all"), "search": _inbox(client, q=XSS)}
    for path in [f"/case/{hostile.id}", "/dashboard"]:
        pages[path] = client.get(path).get_data(as_text=True)
    for path, page in pages.items():
        # Escaped, the payloads show as text; raw, any of these would be live markup.
        for live in ("<script", "<img src=x", "<svg onload", "'><"):
            assert live not in page, (path, live)
        assert "&lt;script&gt;" in page or path.startswith("/dashboard")
    response = client.get(f"/case/{hostile.id}")
    assert "script-src" not in response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_attachments_image_inline_everything_else_download(
    client: FlaskClient,
    alice: Reviewer,
    workspace: Workspace,
    tmp_path: Path,
    jpeg_with_gps: bytes,
) -> None:
    html = b"<html><script>alert(1)</script></html>"
    fake_image = b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"
    submission = encrypted_submission(
        {"narrative": "files"},
        recipients=[alice.recipient],
        attachments=[
            (JPEG_WITH_GPS_NAME, "image/jpeg", jpeg_with_gps),
            ("page.html", "text/html", html),
            ("logo.svg", "image/jpeg", fake_image),
        ],
    )
    _import(workspace, tmp_path, submission)
    assert unlock(client, alice) == 302
    page = client.get(f"/case/{submission.id}").get_data(as_text=True)
    assert "this file carries a location" in page
    assert "48.85800, 2.29450" in page
    assert "names a device or a person" in page
    image = client.get(f"/case/{submission.id}/image/attachment-001.age")
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert image.data == jpeg_with_gps
    assert "sandbox" in image.headers["Content-Security-Policy"]
    # An SVG declared as a JPEG is not an image to the server: no inline view.
    assert client.get(f"/case/{submission.id}/image/attachment-003.age").status_code == 404
    assert client.get(f"/case/{submission.id}/image/attachment-002.age").status_code == 404
    download = client.post(
        f"/case/{submission.id}/download/attachment-002.age",
        data={"csrf_token": csrf_token(client, "/")},
    )
    assert download.status_code == 200
    assert download.mimetype == "application/octet-stream"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "page.html" in download.headers["Content-Disposition"]
    assert download.data == html
    with workspace.sessions() as session:
        actions = [e.action for e in session.scalars(select(AuditEntry))]
    assert actions[-1] == "export"


def test_download_needs_csrf_token(
    client: FlaskClient, alice: Reviewer, workspace: Workspace, tmp_path: Path
) -> None:
    submission = encrypted_submission(
        {"narrative": "x"},
        recipients=[alice.recipient],
        attachments=[("a.txt", "text/plain", b"data")],
    )
    _import(workspace, tmp_path, submission)
    assert unlock(client, alice) == 302
    assert client.post(f"/case/{submission.id}/download/attachment-001.age").status_code == 400


def test_idle_session_locks_itself(
    app: Flask, client: FlaskClient, alice: Reviewer, cases: dict[str, str]
) -> None:
    now = [1000.0]
    replace_state(app, vault=Vault(idle_seconds=300, clock=lambda: now[0]))
    assert unlock(client, alice) == 302
    now[0] += 299
    assert client.get("/").status_code == 200
    now[0] += 299  # activity above reset the timer
    assert client.get("/").status_code == 200
    now[0] += 301
    response = client.get("/")
    assert response.status_code == 302
    assert "locked itself" in client.get("/unlock").get_data(as_text=True)
    assert len(app.extensions["haven_review"].vault) == 0


def test_lock_forgets_the_session(app: Flask, client: FlaskClient, alice: Reviewer) -> None:
    assert unlock(client, alice) == 302
    client.post("/lock", data={"csrf_token": csrf_token(client, "/")})
    assert client.get("/").status_code == 302
    assert len(app.extensions["haven_review"].vault) == 0


def test_other_host_names_are_refused(client: FlaskClient) -> None:
    # DNS rebinding: a page elsewhere resolving its own name to 127.0.0.1.
    assert client.get("/unlock", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/unlock", headers={"Host": "127.0.0.1:8765"}).status_code == 200


def test_dashboard_renders_svg_charts(
    client: FlaskClient, alice: Reviewer, cases: dict[str, str]
) -> None:
    assert unlock(client, alice) == 302
    page = client.get("/dashboard").get_data(as_text=True)
    assert page.count("<svg") == 5
    assert "Cases per category" in page and "2025-02" in page
    assert "<script" not in page


def test_reviewer_added_later_reads_notes_after_a_reseal(
    app: Flask,
    client: FlaskClient,
    alice: Reviewer,
    workspace: Workspace,
    make_reviewer: Callable[[str], Reviewer],
    tmp_path: Path,
) -> None:
    carol = make_reviewer("carol")
    # Intake already encrypts new reports to carol; the workspace does not know her yet.
    shared = encrypted_submission(
        {"narrative": "for alice and carol"}, recipients=[alice.recipient, carol.recipient]
    )
    _import(workspace, tmp_path, shared)
    assert unlock(client, alice) == 302
    _post(client, f"/case/{shared.id}/note", {"note": "written before carol joined"})
    with workspace.transaction() as session:
        session.add(ReviewerRow(name="carol", recipient=str(carol.recipient)))

    carol_client = app.test_client()
    assert unlock(carol_client, carol) == 302
    page = carol_client.get(f"/case/{shared.id}").get_data(as_text=True)
    assert "sealed before you joined" in page
    assert "written before carol joined" not in page
    # Writing now would overwrite notes carol cannot read: refused, nothing lost.
    page = _post(carol_client, f"/case/{shared.id}/note", {"note": "carol's note"})
    assert "That change was refused" in page

    # Alice unlocks again: her session reseals what she can read to every reviewer.
    assert unlock(app.test_client(), alice) == 302
    page = carol_client.get(f"/case/{shared.id}").get_data(as_text=True)
    assert "written before carol joined" in page
    _post(carol_client, f"/case/{shared.id}/note", {"note": "carol's note"})
    page = client.get(f"/case/{shared.id}").get_data(as_text=True)
    assert "written before carol joined" in page and "carol&#39;s note" in page
    with workspace.sessions() as session:
        assert "reseal" in [e.action for e in session.scalars(select(AuditEntry))]
