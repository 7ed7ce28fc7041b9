"""Every page a reviewer can meet, rendered by the Flask client in one language, by name.

The pages are those of a working week: unlock (and its refusals), the inbox
(searched, with news, after bulk actions), cases in several scripts with their
attachments, replies, notes and links, the evidence export's answers, the
dashboard, the audit log and every error page. The pages are parsed with the
intake suite's page model (tests/intake/pages.py), which keeps each text with
the language of the element it is in.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

import keys
from review.config import ReviewConfig
from review.pickup.importer import import_bundle
from review.pickup.provenance import pin
from review.web.app import MAX_REQUEST_BYTES, create_app
from review.web.state import EXTENSION_KEY, HANDLE_FIELD
from review.workspace.models import Reviewer as ReviewerRow
from review.workspace.store import Workspace
from tests.intake.pages import Page, read_page
from tests.review.bundles import INTAKE_KEY, BundleWriter, Submission, encrypted_submission
from tests.review.photos import jpeg_with_gps
from tests.review.reviewers import CHEAP_WORK_FACTOR, PASSPHRASE

# A failed unlock makes the same identity file wait this long: the next try gets the 429.
UNLOCK_DELAY_SECONDS = 3600.0


@dataclass(frozen=True)
class Desk:
    """A served workspace with alice's cases, and the identity files that unlock it or not."""

    app: Flask
    workspace: Workspace
    identity_file: Path
    outsider_file: Path
    cases: dict[str, str]
    recipient: keys.Recipient


def open_desk(directory: Path) -> Desk:
    """A workspace of one reviewer, alice, with cases in several scripts, and its app."""
    alice = keys.X25519Identity.generate()
    identity_file = directory / "alice.identity.age"
    outsider_file = directory / "outsider.identity.age"
    keys.write_identity_file(identity_file, [alice], passphrase=PASSPHRASE,
                             work_factor=CHEAP_WORK_FACTOR)
    keys.write_identity_file(outsider_file, [keys.X25519Identity.generate()],
                             passphrase=PASSPHRASE, work_factor=CHEAP_WORK_FACTOR)
    workspace = Workspace.create(directory / "workspace")
    with workspace.transaction() as session:
        session.add(ReviewerRow(name="alice", recipient=str(alice.recipient())))
        pin(session, INTAKE_KEY.public_key())
    cases = _cases(alice.recipient())
    import_bundle(workspace, BundleWriter(list(cases.values())).write(directory / "bundle.tar"),
                  actor="test")
    config = ReviewConfig(workspace=workspace.root, idle_seconds=600,
                          unlock_delay_seconds=UNLOCK_DELAY_SECONDS,
                          min_work_factor=CHEAP_WORK_FACTOR, reap_seconds=0)
    app = create_app(config)
    app.config["TESTING"] = True
    return Desk(app, workspace, identity_file, outsider_file,
                {name: case.id for name, case in cases.items()}, alice.recipient())


def _cases(recipient: keys.Recipient) -> dict[str, Submission]:
    to = [recipient]
    urgent = encrypted_submission(
        {"narrative": "A man called from +33612345678.", "categories": ["threats"],
         "state": "China", "country": "FR", "contact_wanted": True, "consent": ["lawyers"]},
        recipients=to, urgent=True,
        attachments=[("street.jpg", "image/jpeg", jpeg_with_gps()),
                     ("letter.pdf", "application/pdf", b"%PDF-1.4\n%%EOF\n")])
    # The reporter's key for replies, as intake derives it from the receipt code.
    urgent.reply_recipient = str(keys.HybridIdentity.generate().recipient())
    uyghur = encrypted_submission(
        {"narrative": "ئۇلار تەھدىت سالدى +33 6 12 34 56 78", "categories": ["family_pressure"]},
        recipients=to, language="ug", received_day="2025-02-10")
    tibetan = encrypted_submission(
        {"narrative": "ང་ལ་ཁ་པར་ཐོག་ནས་ཉེན་བརྡ་བཏང་།", "categories": ["hacking"]},
        recipients=to, language="bo", received_day="2024-12-28")
    return {"urgent": urgent, "uyghur": uyghur, "tibetan": tibetan}


def _page(response: TestResponse) -> Page:
    return read_page(response.status_code, response.get_data(as_text=True))


def _token(client: FlaskClient, path: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(path).get_data(True))
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def choose_language(client: FlaskClient, language: str) -> None:
    """Pick `language` with the chooser's link, as a reviewer would."""
    response = client.get(f"/unlock?lang={language}")
    assert response.status_code == 303, response.status_code


def every_page(desk: Desk, client: FlaskClient, language: str) -> dict[str, Page]:
    """Render every review page in `language`, the client's, by name (the client unlocks)."""
    pages = {"unlock": _page(client.get("/unlock"))}

    def unlock(identity_file: Path) -> Page:
        data = {"csrf_token": _token(client, "/unlock"), "passphrase": PASSPHRASE,
                "identity": (io.BytesIO(identity_file.read_bytes()), "key.age")}
        return _page(client.post("/unlock", data=data, content_type="multipart/form-data",
                                 follow_redirects=True))

    pages["unlock_failed"] = unlock(desk.outsider_file)
    pages["unlock_throttled"] = unlock(desk.outsider_file)
    pages["too_large"] = _page(client.post("/unlock", data=b"x" * (MAX_REQUEST_BYTES + 1),
                                           content_type="application/octet-stream"))
    pages["inbox"] = unlock(desk.identity_file)
    pages.update(_inbox_pages(desk, client, language))
    pages.update(_case_pages(desk, client, language))
    pages["dashboard"] = _page(client.get("/dashboard"))
    pages["audit"] = _page(client.get("/audit"))
    pages["audit_case"] = _page(client.get(f"/audit?case={desk.cases['urgent'][:8]}"))
    pages["audit_unknown_case"] = _page(client.get("/audit?case=zzzz"))
    pages.update(_error_pages(client))
    pages["locked"] = _page(client.post("/lock", data={"csrf_token": _token(client, "/")},
                                        follow_redirects=True))
    unlock(desk.identity_file)
    with client.session_transaction() as session:
        handle = session[HANDLE_FIELD]
    desk.app.extensions[EXTENSION_KEY].vault.close(handle)
    pages["locked_itself"] = _page(client.get("/", follow_redirects=True))
    return pages


def _inbox_pages(desk: Desk, client: FlaskClient, language: str) -> dict[str, Page]:
    token = _token(client, "/")
    pages = {}
    # A case imported while the session is unlocked: the inbox says what arrived.
    late = encrypted_submission({"narrative": "They came again."}, recipients=[desk.recipient],
                                received_day="2025-03-20")
    bundle = BundleWriter([late]).write(desk.workspace.root.parent / f"late-{late.id}.tar")
    import_bundle(desk.workspace, bundle, actor="test")
    pages["inbox_arrivals"] = _page(client.get("/"))
    client.post("/arrivals/seen", data={"csrf_token": token})
    pages["inbox_searched"] = _page(client.post(
        "/view", data={"csrf_token": token, "q": "called", "set": "category=threats"},
        follow_redirects=True))
    pages["inbox_bulk"] = _page(client.post(
        "/bulk", data={"csrf_token": token, "case": [desk.cases["uyghur"]], "action": "status",
                       "status": "in_review"}, follow_redirects=True))
    pages["inbox_bulk_refused"] = _page(client.post(
        "/bulk", data={"csrf_token": token, "action": "status", "status": "in_review"},
        follow_redirects=True))
    # A language button of the inbox, with a case ticked and tags typed.
    pages["inbox_in_language"] = _page(client.post(
        "/inbox/language", data={"csrf_token": token, "lang": language,
                                 "case": [desk.cases["tibetan"]], "tags": "to call"}))
    pages["inbox_jump_missing"] = _page(client.post(
        "/jump", data={"csrf_token": token, "case_id": "ffffffff"}, follow_redirects=True))
    return pages


def _case_pages(desk: Desk, client: FlaskClient, language: str) -> dict[str, Page]:
    case = f"/case/{desk.cases['urgent']}"
    token = _token(client, case)

    def post(path: str, data: dict[str, object]) -> Page:
        return _page(client.post(f"{case}/{path}", data={"csrf_token": token, **data},
                                 follow_redirects=True))

    pages = {"case": _page(client.get(case))}
    pages["case_rtl"] = _page(client.get(f"/case/{desk.cases['uyghur']}"))
    pages["case_tibetan"] = _page(client.get(f"/case/{desk.cases['tibetan']}"))
    pages["case_note"] = post("note", {"note": "Called back."})
    pages["case_reply"] = post("reply", {"status": "received", "text": "We read it."})
    pages["case_reply_refused"] = post("reply", {"status": "", "text": " "})
    pages["case_triage"] = post("triage", {"status": "in_review", "priority": "1",
                                           "assignee": "alice"})
    pages["case_tags"] = post("tags", {"tags": "van, paris"})
    pages["case_categories"] = post("categories", {"category": ["threats", "hacking"]})
    pages["case_categories_refused"] = post("categories", {"category": ["invented"]})
    pages["case_linked"] = post("link", {"other": desk.cases["uyghur"][:8]})
    pages["case_link_refused"] = post("link", {"other": "0" * 32})
    pages["case_export_refused"] = post("evidence", {"recipient": "", "purpose": ""})
    pages["case_export_bad_key"] = post("evidence", {"recipient": "Clinic", "kind": "lawyers",
                                                     "purpose": "court", "encrypt_to": "age1x"})
    pages["case_exported"] = post("evidence", {"recipient": "Clinic", "kind": "lawyers",
                                               "purpose": "court"})
    # A language button of the case page, with a reply and a note being written.
    pages["case_in_language"] = post("language", {"lang": language, "status": "reading",
                                                  "text": "Draft reply.", "note": "Draft note."})
    return pages


def _error_pages(client: FlaskClient) -> dict[str, Page]:
    return {
        "not_found": _page(client.get("/no-such-page")),
        "case_not_found": _page(client.get("/case/" + "0" * 32)),
        "not_allowed": _page(client.get("/lock")),
        # A form post without its CSRF token.
        "bad_request": _page(client.post("/jump", data={"case_id": "ffff"})),
        "refused": _page(client.get("/", headers={"Sec-Fetch-Site": "cross-site"})),
    }
