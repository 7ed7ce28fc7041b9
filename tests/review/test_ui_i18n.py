"""The review interface's language and direction, and what its pages give assistive technology."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from review.pickup.importer import import_bundle
from review.web.i18n import (
    LANGUAGES_KEY,
    TRANSLATIONS_DIR,
    available_languages,
    language_tag,
    negotiate,
    text_direction,
)
from review.workspace.store import Workspace
from tests.review.bundles import BundleWriter, encrypted_submission
from tests.review.forms import unlock
from tests.review.reviewers import Reviewer

HTML_TAG = re.compile(r"<html lang=\"([^\"]+)\" dir=\"(ltr|rtl)\">")


@pytest.fixture
def two_cases(workspace: Workspace, alice: Reviewer, tmp_path: Path) -> dict[str, str]:
    """An urgent English case and a Uyghur one sharing a phone number."""
    urgent = encrypted_submission(
        {
            "narrative": "A man called from +33612345678.",
            "categories": ["threats"],
            "state": "China",
            "country": "FR",
            "contact_wanted": True,
        },
        recipients=[alice.recipient],
        urgent=True,
    )
    uyghur = encrypted_submission(
        {"narrative": "ئۇلار تەھدىت سالدى +33 6 12 34 56 78", "categories": ["family_pressure"]},
        recipients=[alice.recipient],
        language="ug",
    )
    # intake writes its catalog names ("zh_Hans") as the report's language.
    chinese = encrypted_submission(
        {"narrative": "他们在巴黎跟踪我"}, recipients=[alice.recipient], language="zh_Hans"
    )
    bundle = BundleWriter([urgent, uyghur, chinese]).write(tmp_path / "bundle.tar")
    import_bundle(workspace, bundle, actor="test")
    return {"urgent": urgent.id, "uyghur": uyghur.id, "chinese": chinese.id}


def _html(client: FlaskClient, path: str, accept: str = "") -> tuple[str, str, str]:
    headers = {"Accept-Language": accept} if accept else {}
    page = client.get(path, headers=headers).get_data(as_text=True)
    found = HTML_TAG.search(page)
    assert found, page[:300]
    return found.group(1), found.group(2), page


def test_language_tags_are_bcp47_and_directions_follow_the_script() -> None:
    assert language_tag("zh_Hans") == "zh-Hans"
    assert language_tag("zh_Hant_HK") == "zh-Hant-HK"
    assert [text_direction(x) for x in ("ar", "fa", "ug", "ug_CN", "en", "zh_Hans")] == [
        "rtl",
        "rtl",
        "rtl",
        "rtl",
        "ltr",
        "ltr",
    ]


def test_negotiation_looks_up_tags_without_guessing_a_script() -> None:
    offered = ("en", "fa", "zh_Hans")
    assert negotiate(["zh-Hans-CN"], offered) == "zh_Hans"
    assert negotiate(["zh-TW", "fa-IR"], offered) == "fa"
    assert negotiate(["zh-TW"], offered) == "en"
    assert negotiate(["de", "en-GB"], offered) == "en"
    assert negotiate([], offered) == "en"


def test_available_languages_are_english_and_compiled_catalogs(tmp_path: Path) -> None:
    # "de" has a catalog but no name in the chooser, so it is not offered.
    for name in ("fa", "zh_Hans", "de"):
        (tmp_path / name / "LC_MESSAGES").mkdir(parents=True)
        (tmp_path / name / "LC_MESSAGES" / "messages.mo").write_bytes(b"")
    (tmp_path / "ru" / "LC_MESSAGES").mkdir(parents=True)  # a .po without its .mo is not offered
    assert available_languages(tmp_path) == ("en", "zh_Hans", "fa")  # the chooser's order
    assert (TRANSLATIONS_DIR / "README.md").is_file()
    assert available_languages()[0] == "en"


def test_pages_are_english_by_default(app: Flask, client: FlaskClient) -> None:
    assert app.config[LANGUAGES_KEY][0] == "en"
    # No header, or only languages without a catalog: English, left to right.
    assert _html(client, "/unlock")[:2] == ("en", "ltr")
    assert _html(client, "/unlock", "de-DE,nl;q=0.5")[:2] == ("en", "ltr")


def test_accept_language_chooses_among_catalogs_and_sets_direction(
    app: Flask, client: FlaskClient, alice: Reviewer, two_cases: dict[str, str]
) -> None:
    app.config[LANGUAGES_KEY] = ("en", "ar", "zh_Hans")
    assert _html(client, "/unlock", "zh-CN;q=0.4, zh-Hans-CN")[:2] == ("zh-Hans", "ltr")
    assert _html(client, "/unlock", "ar-EG,en;q=0.5")[:2] == ("ar", "rtl")
    assert unlock(client, alice) == 302
    for path in ("/", "/dashboard", f"/case/{two_cases['urgent']}", "/case/" + "0" * 32):
        assert _html(client, path, "ar")[:2] == ("ar", "rtl"), path
    # The reporter's words keep their language and direction inside a mirrored page.
    _, _, page = _html(client, f"/case/{two_cases['uyghur']}", "ar")
    assert '<dd lang="ug" dir="rtl">' in page
    _, _, page = _html(client, f"/case/{two_cases['urgent']}", "ar")
    assert '<dd lang="en" dir="ltr">' in page
    # ...while yes/no and category labels are the reviewer's words.
    assert '<span lang="ar" dir="rtl">نعم</span>' in page  # "yes", from the Arabic catalog
    _, _, page = _html(client, f"/case/{two_cases['chinese']}", "en")
    assert '<dd lang="zh-Hans" dir="ltr">' in page and 'lang="zh_Hans"' not in page


def test_every_page_has_a_skip_link_and_one_main(
    client: FlaskClient, alice: Reviewer, two_cases: dict[str, str]
) -> None:
    pages = [client.get("/unlock").get_data(as_text=True)]
    assert unlock(client, alice) == 302
    for path in ("/", "/dashboard", f"/case/{two_cases['urgent']}", "/case/" + "0" * 32):
        pages.append(client.get(path).get_data(as_text=True))
    for page in pages:
        assert '<a class="skip-link" href="#main">' in page
        assert page.count('<main id="main"') == 1
        assert page.count("<h1") == 1


def test_error_pages_have_translatable_titles(client: FlaskClient) -> None:
    page = client.get("/no-such-page").get_data(as_text=True)
    assert "<h1>Not found</h1>" in page and "<title>Not found ·" in page


def test_urgent_cases_are_marked_in_words(
    client: FlaskClient, alice: Reviewer, two_cases: dict[str, str]
) -> None:
    assert unlock(client, alice) == 302
    inbox = client.get("/").get_data(as_text=True)
    urgent_row = inbox.split('<tr class="urgent">')[1].split("</tr>")[0]
    assert two_cases["urgent"] in urgent_row and "Immediate danger" in urgent_row
    assert inbox.count('<tr class="urgent">') == 1
    case = client.get(f"/case/{two_cases['urgent']}").get_data(as_text=True)
    assert "Immediate danger" in case and "someone is in immediate danger" in case


def test_the_current_filter_and_page_are_not_shown_by_colour_alone(
    client: FlaskClient, alice: Reviewer, two_cases: dict[str, str]
) -> None:
    assert unlock(client, alice) == 302
    inbox = client.get("/").get_data(as_text=True)
    assert re.search(r'value="status=open" class="linklike" aria-current="true"', inbox)
    assert re.search(r'href="/" aria-current="page"', inbox)


def test_dashboard_charts_come_with_data_tables(
    client: FlaskClient, alice: Reviewer, two_cases: dict[str, str]
) -> None:
    assert unlock(client, alice) == 302
    page = client.get("/dashboard").get_data(as_text=True)
    assert page.count('role="img"') == 5 and page.count("<title>") >= 6
    assert page.count('<table class="chart-data">') == 5
    assert re.search(
        r'<th scope="row" dir="auto"><bdi>Direct threats or intimidation</bdi></th>'
        r'<td class="num">1</td>',
        page,
    )
    # Statuses are labelled in the chart and the table alike, never the stored value.
    assert ">New<" in page and "new:" not in page


def test_case_view_names_fields_and_identifier_kinds(
    client: FlaskClient, alice: Reviewer, two_cases: dict[str, str]
) -> None:
    assert unlock(client, alice) == 302
    page = client.get(f"/case/{two_cases['urgent']}").get_data(as_text=True)
    assert "<dt>What happened</dt>" in page and "<dt>State behind it</dt>" in page
    assert "<strong>Phone number</strong>" in page
    assert "<legend>Status, priority and assignment</legend>" in page
    assert "<legend>Correct the categories</legend>" in page


def test_dashboard_charts_are_described_and_mirror_on_rtl_pages(
    app: Flask, client: FlaskClient, alice: Reviewer, two_cases: dict[str, str]
) -> None:
    app.config[LANGUAGES_KEY] = ("en", "ar")
    assert unlock(client, alice) == 302
    _, _, page = _html(client, "/dashboard", "en")
    assert page.count("<desc>") == 5 and page.count('direction="ltr"') == 5
    assert "<desc>Direct threats or intimidation: 1; " in page
    assert _html(client, "/dashboard", "ar")[2].count('direction="rtl"') == 5


def test_case_view_labels_choice_answers_in_the_reviewers_words(
    workspace: Workspace, client: FlaskClient, alice: Reviewer, tmp_path: Path
) -> None:
    chosen = encrypted_submission(
        {
            "narrative": "signal",
            "danger_now": "yes",
            "relatives_at_risk": "not_sure",
            "contact_channels": ["signal", "carrier_pigeon"],
            "consent": ["ngos", "statistics"],
            "anonymity": "pseudonymous",
            "interpreter": "yes_outside_community",
            "voicemail_ok": False,
        },
        recipients=[alice.recipient],
        language="ug",
    )
    import_bundle(workspace, BundleWriter([chosen]).write(tmp_path / "c.tar"), actor="test")
    assert unlock(client, alice) == 302
    page = client.get(f"/case/{chosen.id}").get_data(as_text=True)
    answers = page.split('id="answers-heading"')[1].split('id="identifiers-heading"')[0]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", answers))
    for shown in (
        "Anyone in danger right now: yes ",
        "Relatives at risk not sure ",
        "Contact channels Signal carrier_pigeon ",
        "Who may receive the report Human-rights organisations Anonymous statistics ",
        "How known they want to be Under a name they choose ",
        "Interpreter wanted yes, from outside their community ",
        "Voicemail allowed no ",
    ):
        assert shown in text, (shown, text)
    # Labels are the reviewer's words; the reporter's own text keeps its language.
    assert "pseudonymous" not in answers and "yes_outside_community" not in answers
    paragraph = '<p dir="auto" class="answer-text"><bdi>{}</bdi></p>'
    assert '<dd lang="ug" dir="rtl">' + paragraph.format("signal") in answers
    assert "<dd>" + paragraph.format("Under a name they choose") in answers
