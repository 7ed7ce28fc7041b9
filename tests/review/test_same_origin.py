"""Requests from pages other than the review app's own are refused before they touch a session.

The other page is on another port of 127.0.0.1: the same site, so it gets the
SameSite=Strict cookie, but not the same origin.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from review.pickup.importer import import_bundle
from review.session.vault import Vault
from review.workspace.models import AuditEntry
from review.workspace.store import Workspace
from tests.review.app_state import replace_state
from tests.review.bundles import BundleWriter, encrypted_submission
from tests.review.forms import csrf_token, unlock
from tests.review.reviewers import Reviewer

ORIGIN = "http://localhost"  # the Flask test client's own origin
OTHER_PORT = "http://127.0.0.1:9999"
IDLE_SECONDS = 600

# Each way another page's request can look; `None` drops the header the
# client sends by default (a browser without Fetch Metadata).
FOREIGN = {
    "cross-site": {"Sec-Fetch-Site": "cross-site"},
    "same-site": {"Sec-Fetch-Site": "same-site"},
    "origin-other-port": {"Origin": OTHER_PORT},
    "origin-null": {"Origin": "null"},
    "no-metadata-referer-other-port": {"Sec-Fetch-Site": None, "Referer": f"{OTHER_PORT}/x"},
    "no-metadata-no-referer": {"Sec-Fetch-Site": None},
}
OWN = {
    "same-origin": {"Sec-Fetch-Site": "same-origin"},
    "typed-or-bookmarked": {"Sec-Fetch-Site": "none"},
    "no-metadata-referer-own-page": {"Sec-Fetch-Site": None, "Referer": f"{ORIGIN}/"},
    "no-metadata-own-origin": {"Sec-Fetch-Site": None, "Origin": ORIGIN},
}


class Browser:
    """An unlocked client, a case, and a hand on the vault's clock."""

    def __init__(self, client: FlaskClient, workspace: Workspace, case_id: str,
                 now: list[float]) -> None:
        self.client, self.workspace, self.case_id, self.now = client, workspace, case_id, now

    def request(self, method: str, path: str, headers: dict[str, str | None],
                data: dict[str, str] | None = None) -> int:
        """The status of one request sent with `headers` (None: header not sent)."""
        sent = {k: v for k, v in headers.items() if v is not None}
        dropped = {k for k, v in headers.items() if v is None}
        saved = dict(self.client.environ_base)
        for name in dropped:
            self.client.environ_base.pop("HTTP_" + name.upper().replace("-", "_"), None)
        try:
            with self.client.open(path, method=method, headers=sent, data=data) as response:
                return response.status_code
        finally:
            self.client.environ_base.clear()
            self.client.environ_base.update(saved)

    def audit_entries(self) -> int:
        """How many entries the audit log holds."""
        with self.workspace.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


@pytest.fixture
def browser(app: Flask, client: FlaskClient, alice: Reviewer, workspace: Workspace,
            tmp_path: Path, jpeg_with_gps: bytes) -> Browser:
    """alice, unlocked at time 0 on a vault whose clock the test moves."""
    now = [0.0]
    replace_state(app, vault=Vault(idle_seconds=IDLE_SECONDS, clock=lambda: now[0]))
    case = encrypted_submission({"narrative": "x"}, recipients=[alice.recipient],
                                attachments=[("photo.jpg", "image/jpeg", jpeg_with_gps)])
    import_bundle(workspace, BundleWriter([case]).write(tmp_path / "b.tar"), actor="test")
    assert unlock(client, alice) == 302
    return Browser(client, workspace, case.id, now)


def _requests(browser: Browser) -> list[tuple[str, str, dict[str, str] | None]]:
    """Every kind of request with an effect; forms carry a valid CSRF token, as a page could."""
    case = f"/case/{browser.case_id}"
    token = {"csrf_token": csrf_token(browser.client, "/")}
    return [
        ("GET", "/", None),
        ("GET", case, None),
        ("HEAD", case, None),
        ("GET", f"{case}/image/attachment-001.age", None),
        ("GET", "/dashboard", None),
        ("POST", f"{case}/note", {**token, "note": "written by another page"}),
        ("POST", f"{case}/download/attachment-001.age", token),
        ("POST", f"{case}/download-without-metadata/attachment-001.age", token),
    ]


@pytest.mark.parametrize("kind", FOREIGN)
def test_another_pages_requests_do_nothing_and_keep_no_session_alive(
    browser: Browser, kind: str
) -> None:
    requests = _requests(browser)  # at time 0, the session's last activity
    before = browser.audit_entries()
    browser.now[0] = IDLE_SECONDS - 1
    for method, path, data in requests:
        assert browser.request(method, path, FOREIGN[kind], data) == 403, (method, path)
    assert browser.audit_entries() == before  # no view, export or note recorded
    # Had any of them refreshed the idle timer, the session would live on now.
    browser.now[0] = IDLE_SECONDS + 1
    assert browser.request("GET", "/", OWN["same-origin"]) == 302  # locked itself


@pytest.mark.parametrize("kind", FOREIGN)
def test_another_page_cannot_lock_the_session(browser: Browser, kind: str) -> None:
    token = {"csrf_token": csrf_token(browser.client, "/")}
    assert browser.request("POST", "/lock", FOREIGN[kind], token) == 403
    assert browser.request("GET", "/", OWN["same-origin"]) == 200


@pytest.mark.parametrize("kind", OWN)
def test_the_apps_own_pages_and_the_reviewers_navigation_pass(
    browser: Browser, kind: str
) -> None:
    before = browser.audit_entries()
    assert browser.request("GET", f"/case/{browser.case_id}", OWN[kind]) == 200
    assert browser.audit_entries() == before + 1  # the view, recorded
    browser.now[0] = IDLE_SECONDS - 1
    assert browser.request("GET", "/", OWN[kind]) == 200
    browser.now[0] = 2 * IDLE_SECONDS - 2  # idle for less than the limit since then
    assert browser.request("GET", "/", OWN[kind]) == 200
    data = {"note": "a note", "csrf_token": csrf_token(browser.client, "/")}
    assert browser.request("POST", f"/case/{browser.case_id}/note", OWN[kind], data) == 302


@pytest.mark.parametrize("kind", FOREIGN)
def test_the_unlock_form_and_stylesheet_load_from_anywhere(browser: Browser, kind: str) -> None:
    assert browser.request("GET", "/unlock", FOREIGN[kind]) == 200
    assert browser.request("GET", "/static/review.css", FOREIGN[kind]) == 200


def test_own_pages_send_their_referer_to_this_origin_only(browser: Browser) -> None:
    response = browser.client.get(f"/case/{browser.case_id}")
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert '<meta name="referrer" content="same-origin">' in response.get_data(as_text=True)


def test_a_refused_page_says_why_and_leads_back(browser: Browser) -> None:
    response = browser.client.get("/", headers={"Sec-Fetch-Site": "same-site"})
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "did not come from the review app" in page and 'href="/"' in page
