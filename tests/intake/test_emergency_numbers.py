"""The danger page: emergency numbers chosen by the reporter's country, named in their language."""

from __future__ import annotations

import html
import re

import pytest
from babel import Locale
from flask.testing import FlaskClient

from contracts.places import COUNTRY_CODES
from intake.emergency_numbers import EMERGENCY_NUMBERS, WHERE_MOST_LIVE, Reach, numbers_of
from intake.i18n import LANGUAGE_COOKIE
from intake.places import place_name
from tests.intake.forms import MULTIPART, csrf_token, redirected_once

LANGUAGES = ("en", "zh_Hans", "zh_Hant_HK", "ug", "bo", "fa", "ar", "ru", "tr", "fr")
EU = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
)  # fmt: skip
# The countries issue 12 names, with a number each is documented to answer.
EXPECTED = {
    **{code: "112" for code in EU},
    "GB": "999", "US": "911", "CA": "911", "AU": "000", "NZ": "111", "TR": "112",
    "KZ": "112", "KG": "112", "UZ": "112", "IN": "112", "NP": "100", "CH": "117",
    "NO": "112", "TW": "110", "JP": "110", "KR": "112", "SA": "999", "AE": "999",
    "EG": "122", "HK": "999",
}  # fmt: skip
TEL = re.compile(r'href="tel:([0-9]+)"')


def danger_page(client: FlaskClient, language: str = "en", country: str | None = None) -> str:
    client.set_cookie(LANGUAGE_COOKIE, language)
    query = {} if country is None else {"country": country}
    response = client.get("/danger", query_string=query)
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_every_listed_country_has_a_police_number_and_one_for_a_mobile() -> None:
    assert set(EXPECTED) <= set(EMERGENCY_NUMBERS) <= set(COUNTRY_CODES)
    for code, number in EXPECTED.items():
        numbers = EMERGENCY_NUMBERS[code]
        assert number in {line.number for line in numbers.lines}, code
        assert numbers.police.isdigit() and numbers.from_mobile.isdigit(), code


def test_every_eu_country_answers_112_for_every_emergency() -> None:
    for code in EU:
        assert EMERGENCY_NUMBERS[code].lines[0].number == "112", code
        assert EMERGENCY_NUMBERS[code].lines[0].reach is Reach.ALL, code


def test_the_numbers_say_what_they_reach() -> None:
    # Norway's 112 and Korea's 112 are the police, not an ambulance; Taiwan's 112 a mobile's.
    assert EMERGENCY_NUMBERS["NO"].lines[0].reach is Reach.POLICE
    assert EMERGENCY_NUMBERS["KR"].police == "112"
    assert EMERGENCY_NUMBERS["TW"].police == "110"
    assert EMERGENCY_NUMBERS["TW"].from_mobile == "112"
    assert EMERGENCY_NUMBERS["DE"].police == "112" and EMERGENCY_NUMBERS["DE"].from_mobile == "112"
    assert numbers_of("CN") is None and numbers_of("de") is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_shows_the_chosen_country_by_its_name_in_every_language(
    client: FlaskClient, language: str
) -> None:
    locale = Locale.parse(language)
    for code, number in (("JP", "110"), ("GB", "999"), ("NP", "100"), ("DE", "110")):
        page = danger_page(client, language, code)
        heading = re.search(r"<h2>(.*?)</h2>", page, re.S)
        assert heading is not None and place_name(code, locale) in heading.group(1), code
        numbers = {line.number for line in EMERGENCY_NUMBERS[code].lines}
        assert set(TEL.findall(page)) == numbers and number in numbers
        assert f'<option selected value="{code}">{place_name(code, locale)}</option>' in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_without_a_country_the_page_lists_where_most_live_and_112(
    client: FlaskClient, language: str
) -> None:
    page = danger_page(client, language)
    locale = Locale.parse(language)
    for code in WHERE_MOST_LIVE:
        assert f"<dt>{place_name(code, locale)}</dt>" in page, code
    assert {"112", "999", "911", "000", "100", "110"} <= set(TEL.findall(page))
    assert 'role="alert"' not in page


@pytest.mark.parametrize("country", ["CN", "zz", "de", "<script>", "112"])
def test_a_country_without_numbers_falls_back_and_says_so(
    client: FlaskClient, country: str
) -> None:
    page = danger_page(client, "fr", country)
    assert "Nous n’avons pas de numéro d’urgence pour ce pays" in page
    assert "<dt>Royaume-Uni</dt>" in page and "selected" not in page
    # The choice is not repeated back: an unknown value appears nowhere on the page.
    assert "<script>" not in page


def test_the_choice_is_a_get_form_that_needs_no_script_and_stores_nothing(
    client: FlaskClient,
) -> None:
    client.set_cookie(LANGUAGE_COOKIE, "en")
    response = client.get("/danger", query_string={"country": "KZ"})
    page = response.get_data(as_text=True)
    form = re.search(r"<form[^>]*>", page)
    assert form is not None
    assert 'method="get"' in form.group(0) and 'action="/danger"' in form.group(0)
    assert "<script" not in page
    assert "Set-Cookie" not in response.headers
    # Every country with numbers is offered, once.
    offered = re.findall(r'<option (?:selected )?value="([A-Z]{2})">', page)
    assert sorted(offered) == sorted(EMERGENCY_NUMBERS)


@pytest.mark.parametrize(
    ("country", "link"), [("JP", "/danger?country=JP"), ("CN", "/danger"), ("", "/danger")]
)
def test_a_form_sent_back_in_danger_links_to_the_numbers_of_its_country(
    client: FlaskClient, country: str, link: str
) -> None:
    client.set_cookie(LANGUAGE_COOKIE, "en")

    def sent_back(danger_now: str) -> str:
        # No description and no file: the form comes back, with the answers in place.
        answers = {"csrf_token": csrf_token(client), "danger_now": danger_now, "country": country}
        response = client.post(
            "/report", content_type=MULTIPART, data=answers, follow_redirects=True
        )
        assert redirected_once(response).status_code == 422
        return response.get_data(as_text=True)

    assert f'<a href="{link}">' in sent_back("yes")
    assert 'href="/danger' not in sent_back("no")


def test_the_empty_form_links_to_the_numbers_only_when_it_came_from_the_danger_page(
    client: FlaskClient,
) -> None:
    assert 'href="/danger"' in client.get("/report?urgent=1").get_data(as_text=True)
    assert 'href="/danger' not in client.get("/report").get_data(as_text=True)
