"""The receipt code in digits: shown beside the words, accepted at check back, typos named."""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

import keys.argon2_memory
import keys.receipt
from intake.i18n import LANGUAGE_COOKIE
from keys.receipt import RECEIPT_WORDS, receipt_code_digit_groups
from tests.intake.checkback import check_back
from tests.intake.forms import MULTIPART, csrf_token

ROW = re.compile(
    r'<li><span class="receipt-word">([a-z-]+)</span> '
    r'<span class="receipt-group">(\d{5})</span></li>'
)
CODE = re.compile(r'<p class="receipt-code" lang="en" dir="ltr">([^<]+)</p>')
TRANSLATED = ("zh_Hans", "zh_Hant_HK", "ug", "bo", "fa", "ar", "ru", "tr", "fr")


def receipt_page(client: FlaskClient) -> str:
    response = client.post(
        "/report",
        content_type=MULTIPART,
        data={"csrf_token": csrf_token(client), "narrative": "x"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("language", ["en", "ug"])
def test_the_receipt_page_numbers_each_word_beside_its_digits(
    client: FlaskClient, language: str
) -> None:
    client.set_cookie(LANGUAGE_COOKIE, language)
    page = receipt_page(client)
    match = CODE.search(page)
    assert match
    code = match.group(1)
    block = page[page.index('<ol class="receipt-groups" lang="en" dir="ltr">') :]
    block = block[: block.index("</ol>")]
    rows = ROW.findall(block)
    assert len(rows) == RECEIPT_WORDS
    assert [word for word, _ in rows] == code.split()
    assert tuple(group for _, group in rows) == receipt_code_digit_groups(code)


def test_the_digits_open_the_same_case_as_the_words(client: FlaskClient) -> None:
    page = receipt_page(client)
    match = CODE.search(page)
    assert match
    digits = "-".join(receipt_code_digit_groups(match.group(1)))
    opened = check_back(client, digits)
    assert opened.status_code == 200
    assert "There is no reply yet." in opened.get_data(as_text=True)


def test_full_width_digits_open_it_too(client: FlaskClient) -> None:
    match = CODE.search(receipt_page(client))
    assert match
    digits = " ".join(receipt_code_digit_groups(match.group(1)))
    full_width = "".join(chr(0xFF10 + int(c)) if c.isdigit() else "\u3000" for c in digits)
    assert "There is no reply yet." in check_back(client, full_width).get_data(as_text=True)


def mistyped(code: str, *, group: int) -> str:
    groups = list(receipt_code_digit_groups(code))
    wrong = groups[group - 1]
    groups[group - 1] = wrong[:2] + str((int(wrong[2]) + 1) % 10) + wrong[3:]
    return " ".join(groups)


def test_a_typo_is_named_by_its_group_before_argon2_runs(
    app: Flask, client: FlaskClient, derivations: list[str]
) -> None:
    match = CODE.search(receipt_page(client))
    assert match
    derivations.clear()
    page = check_back(client, mistyped(match.group(1), group=3)).get_data(as_text=True)
    assert derivations == []
    assert "There is a typo in the digits of group \u20663\u2069." in html.unescape(page)
    # The code is not echoed back, as for every code that opens nothing.
    assert mistyped(match.group(1), group=3) not in page


def test_a_missing_digit_is_counted_before_argon2_runs(
    client: FlaskClient, derivations: list[str]
) -> None:
    match = CODE.search(receipt_page(client))
    assert match
    derivations.clear()
    short = "".join(receipt_code_digit_groups(match.group(1)))[1:]
    page = html.unescape(check_back(client, short).get_data(as_text=True))
    assert derivations == []
    assert "has \u206635\u2069 digits, but you typed \u206634\u2069" in page


def test_a_well_formed_wrong_code_in_digits_gets_the_generic_answer_after_argon2(
    client: FlaskClient, derivations: list[str]
) -> None:
    wrong = " ".join(receipt_code_digit_groups(keys.receipt.generate_receipt_code()))
    page = html.unescape(check_back(client, wrong).get_data(as_text=True))
    assert len(derivations) == 1
    assert "We could not open a report with this code." in page


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_typo_messages_are_in_the_reporters_language(
    client: FlaskClient, language: str
) -> None:
    client.set_cookie(LANGUAGE_COOKIE, language)
    code = keys.receipt.generate_receipt_code()
    typo = html.unescape(check_back(client, mistyped(code, group=5)).get_data(as_text=True))
    count = html.unescape(check_back(client, "1234").get_data(as_text=True))
    assert "There is a typo" not in typo and "\u20665\u2069" in typo
    assert "A receipt code in digits" not in count and "\u20664\u2069" in count
