"""What fuzzing review found, each with the input that found it (tests/review/test_fuzz_*.py)."""

from __future__ import annotations

import json

import pytest

from review.casefile.follow_up_reader import parse_follow_up
from review.casefile.report_reader import parse_report
from tests.review.bundles import follow_up_document, report_document

CASE = "0" * 32


# Found by test_any_report_plaintext_renders_its_case_page_safely: the document's
# "language" was kept whatever it held (up to 16 characters) and shown on the case
# page outside reporter_text, so an Arabic letter mark (U+061C) reached the page
# as itself, and a reporter could put any text into the page's `lang` attributes.
@pytest.mark.parametrize("language", ["{{ 7*7 }}\u061c", "en\u202e", "fr\u200b", "a b",
                                      "<b>", "e\u0301n", "en-", "x"])
def test_a_language_that_is_no_tag_is_read_as_undetermined(language: str) -> None:
    plaintext = json.dumps(report_document({}, language=language)).encode()
    assert parse_report(CASE, "2025-03-14", plaintext).language == "und"
    follow_up = json.dumps(follow_up_document(CASE, "m", language=language)).encode()
    assert parse_follow_up("1" * 32, CASE, "2025-04-01", follow_up).language == "und"


@pytest.mark.parametrize("language", ["en", "zh_Hans", "zh_Hant_HK", "zh-Hant-HK", "ug"])
def test_a_language_tag_is_kept(language: str) -> None:
    plaintext = json.dumps(report_document({}, language=language)).encode()
    assert parse_report(CASE, "2025-03-14", plaintext).language == language
