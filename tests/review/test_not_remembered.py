"""Every page tells the browser to keep nothing: no-store, and autocomplete off on every field.

tests/browser/test_review_profile.py shows in a real Chromium profile that this
suffices; this checks every page and form carries it, so a new field cannot
forget it.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from flask.testing import FlaskClient

from review.pickup.importer import import_bundle
from review.workspace.store import Workspace
from tests.review.bundles import BundleWriter, encrypted_submission
from tests.review.forms import unlock
from tests.review.reviewers import Reviewer

# Inputs that hold nothing typed: autofill and tab restore have nothing of them to keep.
_UNTYPED_INPUTS = {"hidden", "checkbox", "radio", "submit", "button", "file"}


class _Fields(HTMLParser):
    """Forms and typed-in fields that do not say autocomplete="off"."""

    def __init__(self) -> None:
        super().__init__()
        self.forms = 0
        self.remembered: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self.forms += 1
        elif not (tag == "textarea" or (tag == "input"
                                         and attributes.get("type") not in _UNTYPED_INPUTS)):
            return
        if attributes.get("autocomplete") != "off":
            self.remembered.append(f"<{tag} {attributes}>")


def test_every_page_is_no_store_and_no_field_is_remembered(
    client: FlaskClient, alice: Reviewer, workspace: Workspace, tmp_path: Path
) -> None:
    case = encrypted_submission({"narrative": "n", "country": "DE"}, recipients=[alice.recipient])
    import_bundle(workspace, BundleWriter([case]).write(tmp_path / "b.tar"), actor="t")
    responses = [client.get("/unlock")]
    assert unlock(client, alice) == 302
    responses += [client.get(path) for path in
                  ("/", f"/case/{case.id}", "/dashboard", "/case/" + "0" * 32)]  # fmt: skip
    forms = 0
    for response in responses:
        assert response.headers["Cache-Control"] == "no-store", response.request.path
        fields = _Fields()
        fields.feed(response.get_data(as_text=True))
        assert fields.remembered == [], (response.request.path, fields.remembered)
        forms += fields.forms
    assert forms >= 10
