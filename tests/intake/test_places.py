"""Places as choices: ISO codes, named in the reporter's language, common ones first."""

from __future__ import annotations

import html
import json
import re

import pytest
from babel import Locale
from flask import Flask
from flask.testing import FlaskClient
from wtforms import Form, SelectField
from wtforms.validators import ValidationError
from wtforms.widgets import Select

import keys
from contracts.places import COUNTRY_CODES, DONT_KNOW, OTHER, RATHER_NOT_SAY
from intake.i18n import LANGUAGE_COOKIE
from intake.places import COMMON_COUNTRIES, COMMON_STATES, PlaceField, place_name
from intake.questionnaire import QUESTIONS, VERSION
from tests.intake.forms import MULTIPART, csrf_token, redirected_once
from tests.intake.storage import engine_of, stored_files, submissions

LANGUAGES = ("en", "zh_Hans", "zh_Hant_HK", "ug", "bo", "fa", "ar", "ru", "tr", "fr")
OPTION = re.compile(r'<option (?:selected )?value="([^"]*)">([^<]*)</option>')


def select_of(page: str, name: str) -> str:
    start = page.index(f'<select id="{name}" name="{name}"')
    return page[start : page.index("</select>", start)]


def options(select: str) -> list[tuple[str, str]]:
    return [(value, html.unescape(label)) for value, label in OPTION.findall(select)]


def form_page(client: FlaskClient, language: str) -> str:
    client.set_cookie(LANGUAGE_COOKIE, language)
    return client.get("/report").get_data(as_text=True)


def test_the_questionnaire_asks_the_places_as_choices() -> None:
    kinds = {q.name: q.kind for q in QUESTIONS}
    assert kinds["country"] == kinds["state"] == kinds["police_country"] == "place"
    assert kinds["state_other"] == "text"
    assert VERSION == "2.0.0"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_country_is_offered_once_in_every_language(
    client: FlaskClient, language: str
) -> None:
    page = form_page(client, language)
    for name, common in (("country", COMMON_COUNTRIES), ("state", COMMON_STATES)):
        values = [value for value, _ in options(select_of(page, name))]
        specials = ["", DONT_KNOW, RATHER_NOT_SAY] + ([OTHER] if name == "state" else [])
        assert values[: len(specials)] == specials
        assert sorted(values[len(specials) :]) == sorted(COUNTRY_CODES)
        # The common places come first, before every other country.
        assert set(values[len(specials) : len(specials) + len(common)]) == set(common)


def test_names_are_the_reporters_language_and_sorted_within_each_group(
    client: FlaskClient,
) -> None:
    page = form_page(client, "fr")
    select = select_of(page, "country")
    labelled = dict(options(select))
    assert labelled["GB"] == "Royaume-Uni" and labelled["CN"] == "Chine"
    assert labelled[DONT_KNOW] == "Je ne sais pas"
    every = select[select.index('<optgroup label="Tous les pays">') :]
    names = [label for _, label in options(every)]
    # Accents fold away for the order: Égypte sits among the E's, not after Z.
    assert names.index("Égypte") < names.index("Espagne") < names.index("Zimbabwe")
    assert '<optgroup label="Les plus souvent choisis">' in select


def test_zh_names_come_from_cldr(client: FlaskClient) -> None:
    labelled = dict(options(select_of(form_page(client, "zh_Hans"), "country")))
    assert labelled["GB"] == "英国" and labelled["CN"] == "中国"


def test_a_name_cldr_lacks_falls_back_to_english() -> None:
    tibetan = Locale.parse("bo")
    lacking = [code for code in COUNTRY_CODES if code not in tibetan.territories]
    assert lacking, "CLDR's Tibetan names every country now: this fallback can go"
    assert place_name(lacking[0], tibetan) == Locale("en").territories[lacking[0]]
    assert all(place_name(code, tibetan) for code in COUNTRY_CODES)


def test_the_report_stores_the_codes(
    app: Flask, client: FlaskClient, reviewer: keys.X25519Identity
) -> None:
    client.set_cookie(LANGUAGE_COOKIE, "ug")
    response = client.post(
        "/report",
        content_type=MULTIPART,
        data={
            "csrf_token": csrf_token(client),
            "narrative": "x",
            "state": OTHER,
            "state_other": "a gang paid by a consulate",
            "country": "GB",
            "consent": ["police"],
            "police_country": "GB",
        },
    )
    assert response.status_code == 303
    (submission_id,) = submissions(engine_of(app))
    stored = stored_files(engine_of(app), submission_id)
    report = json.loads(keys.decrypt(stored["report.age"], identities=[reviewer]))
    assert report["questionnaire"]["version"] == "2.0.0"
    answers = report["answers"]
    assert (answers["state"], answers["state_other"]) == (OTHER, "a gang paid by a consulate")
    assert answers["country"] == answers["police_country"] == "GB"


def test_a_made_up_code_is_refused_and_nothing_is_stored(client: FlaskClient) -> None:
    response = client.post(
        "/report",
        content_type=MULTIPART,
        data={"csrf_token": csrf_token(client), "narrative": "x", "country": "Neverland"},
        follow_redirects=True,
    )
    assert redirected_once(response).status_code == 422
    assert "Not a valid choice." in response.get_data(as_text=True)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("chosen", [None, "", "CN", DONT_KNOW, OTHER, "XX"])
def test_a_place_select_renders_what_wtforms_own_select_renders(
    app: Flask, language: str, chosen: str | None
) -> None:
    """The options rendered once per language are WTForms' own, the chosen one selected."""
    with app.test_request_context(headers={"Cookie": f"{LANGUAGE_COOKIE}={language}"}):
        for other in (False, True):
            field = PlaceField(common=COMMON_STATES, other=other).bind(Form(), "state")
            field.process(None, chosen)
            ours = field(**{"aria-describedby": "state-hint"})
            theirs = Select()(field, **{"aria-describedby": "state-hint"})
            assert ours == theirs
            # Twice: the second rendering comes from the cache.
            assert field(**{"aria-describedby": "state-hint"}) == theirs


@pytest.mark.parametrize("other", [False, True])
@pytest.mark.parametrize(
    "sent", [None, "", "CN", "HK", DONT_KNOW, RATHER_NOT_SAY, OTHER, "XX", "cn"]
)
def test_a_place_field_accepts_what_wtforms_own_select_field_accepts(
    app: Flask, other: bool, sent: str | None
) -> None:
    """PlaceField checks an answer against the list's values, SelectField against its choices."""
    with app.test_request_context():
        ours = PlaceField(common=COMMON_STATES, other=other).bind(Form(), "state")
        theirs = SelectField(choices=ours.choices).bind(Form(), "state")
        verdicts = []
        for field in (ours, theirs):
            field.process(None, sent)
            try:
                field.pre_validate(Form())
            except ValidationError as refusal:
                verdicts.append(str(refusal))
            else:
                verdicts.append("accepted")
        assert verdicts[0] == verdicts[1]
