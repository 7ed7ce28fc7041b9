"""One place per country, whatever language the report named it in, old reports and new."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel import Locale
from flask import Flask
from flask.testing import FlaskClient

from contracts.places import DONT_KNOW, OTHER, STATE_OTHER
from review.casefile.places import place_label, place_of
from review.pickup.importer import import_bundle
from review.web.i18n import LANGUAGES_KEY
from review.workspace.store import Workspace
from tests.review.bundles import BundleWriter, encrypted_submission
from tests.review.forms import csrf_token, unlock
from tests.review.reviewers import Reviewer


@pytest.mark.parametrize(
    ("written", "place"),
    [
        ("英国", "GB"),  # zh_Hans
        ("英國", "GB"),  # zh_Hant_HK
        ("United Kingdom", "GB"),
        ("  united   kingdom ", "GB"),
        ("UK", "GB"),
        ("Royaume-Uni", "GB"),
        ("Великобритания", "GB"),
        ("بریتانیا", "GB"),  # fa
        ("中国", "CN"),
        ("China", "CN"),
        ("جۇڭگو", "CN"),  # ug
        ("Çin", "CN"),
        ("Hong Kong", "HK"),
        ("香港", "HK"),
        ("Turkey", "TR"),
        ("Türkiye", "TR"),
        ("fr", "FR"),
        ("GB", "GB"),  # questionnaire 2.0.0
        (DONT_KNOW, DONT_KNOW),
        ("near Lyon", "near Lyon"),  # no country name: as written, never guessed
        ("Tibet", "Tibet"),
    ],
)
def test_old_free_text_answers_map_to_codes(written: str, place: str) -> None:
    assert place_of(written) == place


def test_labels_are_in_the_reviewers_language() -> None:
    assert place_label("GB", Locale("en")) == "United Kingdom"
    assert place_label("GB", Locale.parse("fr")) == "Royaume-Uni"
    assert place_label("near Lyon") == "near Lyon"


def _submit(workspace: Workspace, alice: Reviewer, tmp_path: Path) -> list[str]:
    """Seven reports in four languages and both questionnaire versions; their case ids."""
    reports = [
        ("zh_Hans", {"country": "英国", "state": "中国"}),
        ("en", {"country": "United Kingdom", "state": "China"}),
        ("en", {"country": "UK", "state": "China"}),
        ("fr", {"country": "Royaume-Uni", "state": "Chine"}),
        # Questionnaire 2.0.0: codes, and another state named in words.
        ("ug", {"country": "GB", "state": "CN"}),
        ("ug", {"country": "FR", "state": OTHER, STATE_OTHER: "a gang"}),
        ("fr", {"country": "près de Lyon", "state": DONT_KNOW}),
    ]
    submissions = [
        encrypted_submission(
            {"narrative": "x", **answers}, recipients=[alice.recipient], language=language
        )
        for language, answers in reports
    ]
    import_bundle(workspace, BundleWriter(submissions).write(tmp_path / "b.tar"), actor="test")
    return [submission.id for submission in submissions]


def _count(page: str, label: str) -> int:
    match = re.search(
        rf'<th scope="row" dir="auto"><bdi>{re.escape(label)}</bdi></th><td class="num">(\d+)</td>',
        page,
    )
    assert match, label
    return int(match.group(1))


def test_the_dashboard_counts_one_place_per_country_across_languages(
    workspace: Workspace, client: FlaskClient, alice: Reviewer, tmp_path: Path
) -> None:
    _submit(workspace, alice, tmp_path)
    assert unlock(client, alice) == 302
    page = client.get("/dashboard").get_data(as_text=True)
    assert _count(page, "United Kingdom") == 5
    assert _count(page, "China") == 5
    assert _count(page, "France") == 1
    assert _count(page, "près de Lyon") == 1
    assert _count(page, "a gang") == 1
    assert _count(page, "(does not know)") == 1
    for written in ("英国", "Royaume-Uni", "UK<", "中国", "Chine<"):
        assert written not in page


def test_the_inbox_facets_count_one_place_per_country(
    workspace: Workspace, client: FlaskClient, alice: Reviewer, tmp_path: Path
) -> None:
    _submit(workspace, alice, tmp_path)
    assert unlock(client, alice) == 302
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'value="country=GB"[^>]*>(<bdi[^>]*>)?United Kingdom', page), page
    assert "英国" not in page


def test_one_country_filter_finds_the_countrys_cases_in_every_language_and_version(
    workspace: Workspace, app: Flask, client: FlaskClient, alice: Reviewer, tmp_path: Path
) -> None:
    ids = _submit(workspace, alice, tmp_path)
    app.config[LANGUAGES_KEY] = ("en", "fr")
    assert unlock(client, alice) == 302
    response = client.post("/view", data={"csrf_token": csrf_token(client, "/"),
                                          "set": "country=GB"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"],
                      headers={"Accept-Language": "fr"}).get_data(as_text=True)
    # 英国 (zh_Hans), United Kingdom and UK (en), Royaume-Uni (fr), GB (2.0.0, ug).
    shown = set(re.findall(r'href="/case/([0-9a-f]{32})"', page))
    assert shown == set(ids[:5])
    # The facet is one value, labelled in the reviewer's language, counting all five.
    chosen = re.search(r'value="country=GB"[^>]*aria-current="true">(?:<bdi[^>]*>)?([^<]+)',
                       page)
    assert chosen is not None and chosen.group(1) == "Royaume-Uni"
    assert _facet_counts(page, "country") == {"GB": 5, "FR": 1, "près de Lyon": 1}
    # Each row names the place the same way (a code is no answer to a person).
    assert page.count('<td dir="auto"><bdi>Royaume-Uni</bdi></td>') == 5
    assert page.count('<td dir="auto"><bdi>Chine</bdi></td>') == 5
    assert "<bdi>GB</bdi>" not in page and "<bdi>CN</bdi>" not in page


def _facet_counts(page: str, facet: str) -> dict[str, int]:
    found = re.findall(rf'value="{facet}=([^"]+)"[^>]*>.*?</button>\s*<span class="count">(\d+)<',
                       page, re.S)
    return {value: int(count) for value, count in found}
