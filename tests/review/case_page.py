"""A case with attachments, opened in the review web app, and its page's attachments."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from babel.support import Translations
from flask.testing import FlaskClient

from review.pickup.importer import import_bundle
from review.web.i18n import DEFAULT_LANGUAGE, TRANSLATIONS_DIR, available_languages
from review.workspace.store import Workspace
from tests.review.bundles import BundleWriter, Submission, encrypted_submission
from tests.review.forms import unlock
from tests.review.reviewers import Reviewer
from tests.support import require

# What the case view says beside an attachment whose metadata could identify the reporter.
LOCATION = "this file carries a location. It could reveal where the reporter lives or was."
IDENTITY = "this file names a device or a person. It could identify the reporter."
CLEANABLE = "A copy without that metadata can be downloaded instead."


def opened_case(workspace: Workspace, client: FlaskClient, reviewer: Reviewer, tmp_path: Path,
                attachments: list[tuple[str, str, bytes]]) -> Submission:
    """A report with `attachments` (name, content type, bytes), imported, and the
    workspace unlocked by `reviewer` in `client`."""
    submission = encrypted_submission({"narrative": "files"}, recipients=[reviewer.recipient],
                                      attachments=attachments)
    import_bundle(workspace, BundleWriter([submission]).write(tmp_path / "bundle.tar"),
                  actor="test")
    assert unlock(client, reviewer) == 302
    return submission


def in_language(client: FlaskClient, language: str) -> Callable[[str], str]:
    """Switch `client`'s pages to `language`; the gettext of its review catalog."""
    require(language in available_languages(),
            f"no review catalog for {language} yet (review/translations)")
    if language != DEFAULT_LANGUAGE:
        assert client.get(f"/unlock?lang={language}").status_code == 303
    return Translations.load(str(TRANSLATIONS_DIR), [language]).gettext


def attachment_articles(client: FlaskClient, case_id: str) -> list[str]:
    """Each attachment's `<article>` on the case page, in order, its entities unescaped."""
    page = client.get(f"/case/{case_id}").get_data(as_text=True)
    return [html.unescape(article) for article in page.split('<article class="attachment">')[1:]]
