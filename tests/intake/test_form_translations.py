"""WTForms' own validator messages: in the reporter's language, their values isolated."""

from __future__ import annotations

import html

import pytest
from flask import Flask
from flask.testing import FlaskClient
from wtforms import StringField
from wtforms.validators import InputRequired

from intake.form_translations import (
    FIRST_STRONG_ISOLATE,
    POP_DIRECTIONAL_ISOLATE,
    WTFORMS_MESSAGES,
    WTFORMS_PLURAL_MESSAGES,
    IntakeForm,
)
from intake.i18n import LANGUAGE_COOKIE
from intake.questionnaire import SHORT_TEXT_CHARS
from tests.intake.forms import MULTIPART, csrf_token, redirected_once

TRANSLATED = ("zh_Hans", "zh_Hant_HK", "ug", "bo", "fa", "ar", "ru", "tr", "fr")
# WTForms' English, as its validators write it once interpolated.
ENGLISH = (
    "Not a valid choice",
    "is not a valid choice for this field",
    "are not valid choices for this field",
    "Field cannot be longer than",
    "This field is required",
)


def isolated(value: object) -> str:
    return f"{FIRST_STRONG_ISOLATE}{value}{POP_DIRECTIONAL_ISOLATE}"


def refused_report(client: FlaskClient, language: str) -> str:
    """A report with one answer breaking each kind of validator, as the page shows it."""
    client.set_cookie(LANGUAGE_COOKIE, language)
    response = client.post(
        "/report",
        content_type=MULTIPART,
        data={
            "csrf_token": csrf_token(client),
            "narrative": "it happened",
            "when": "x" * (SHORT_TEXT_CHARS + 1),  # Length(max=...)
            "danger_now": "perhaps",  # a radio's choice that was never offered
            "categories": ["physical", "invented"],  # a checkbox that was never offered
        },
        follow_redirects=True,
    )
    assert redirected_once(response).status_code == 422
    return html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_validator_message_is_in_the_reporters_language(
    client: FlaskClient, language: str
) -> None:
    page = refused_report(client, language)
    for english in ENGLISH:
        assert english not in page, (language, english)
    # The values WTForms interpolates arrive isolated, so they cannot reorder the sentence.
    assert isolated(SHORT_TEXT_CHARS) in page
    assert isolated("invented") in page


def test_english_pages_get_the_messages_isolated_too(client: FlaskClient) -> None:
    page = refused_report(client, "en")
    assert f"Field cannot be longer than {isolated(SHORT_TEXT_CHARS)} characters." in page
    assert "Not a valid choice." in page
    assert f"'{isolated('invented')}' is not a valid choice for this field." in page


class _RequiredForm(IntakeForm):
    answer = StringField(validators=[InputRequired()])


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_required_answer_is_asked_for_in_the_reporters_language(
    app: Flask, language: str
) -> None:
    with app.test_request_context(
        "/", method="POST", data={}, headers={"Cookie": f"{LANGUAGE_COOKIE}={language}"}
    ):
        form = _RequiredForm(meta={"csrf": False})
        assert not form.validate()
        (message,) = form.answer.errors
        assert message and "This field is required" not in message


def test_the_listed_messages_are_the_ones_wtforms_asks_for(app: Flask) -> None:
    # The marker list must name WTForms' own msgids exactly, or the catalog entry is dead:
    # every listed message comes back translated from the French catalog.
    with app.test_request_context("/", headers={"Cookie": f"{LANGUAGE_COOKIE}=fr"}):
        translations = _RequiredForm(meta={"csrf": False}).meta.get_translations(None)
        for msgid in WTFORMS_MESSAGES:
            assert translations.gettext(msgid) != msgid
        for singular, plural in WTFORMS_PLURAL_MESSAGES:
            assert translations.ngettext(singular, plural, 2) not in (singular, plural)
