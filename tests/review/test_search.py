"""Search in every script Haven accepts, built in memory from decrypted answers."""

from __future__ import annotations

import pytest

from review.casefile.report_reader import Report
from review.casefile.search import SearchIndex
from review.casefile.textnorm import normalise

DOCS = {
    "zh": "他们在巴黎的海外警察站威胁我的父母。",
    "zh_hk": "國安警察打電話到香港恐嚇我家人",
    "ar": "هددوا عائلتي في المدينة",
    "fa": "مأموران کنسولگری به خانه‌ام آمدند",
    "ug": "ئۇلار مېنىڭ ئائىلەمگە تەھدىت سالدى",
    "bo": "རྒྱ་ནག་གི་ཉེན་རྟོག་པས་ང་ལ་བརྙས་བཅོས་བྱས།",
    "ru": "Мне угрожали сотрудники консульства",
    "tr": "Konsolosluk çalışanları beni tehdit etti",
    "fr": "Des policiers chinois m'ont suivi à Paris",
    "en": "They followed me to the station in Paris",
}


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    """One report per language."""
    return SearchIndex.build(
        Report(id=key, received_day="2025-01-01", language=key, urgent=False,
               answers={"narrative": text})
        for key, text in DOCS.items()
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("巴黎", ["zh"]),  # a word inside a sentence with no spaces
        ("警", ["zh", "zh_hk"]),  # one character
        ("警察", ["zh", "zh_hk"]),
        ("海外警察站", ["zh"]),
        ("香港", ["zh_hk"]),
        ("المدينة", ["ar"]),
        ("مدينة", ["ar"]),  # without the article, found inside the word
        ("ﺍﻟﻤﺪﻳﻨﺔ", ["ar"]),  # typed in presentation forms (shaped glyphs)
        ("هَدَّدُوا", ["ar"]),  # with diacritics
        ("خانه‌ام", ["fa"]),  # with a zero-width non-joiner
        ("كنسولگري", ["fa"]),  # Arabic kaf and yeh for Persian keheh and yeh
        ("تەھدىت", ["ug"]),
        ("ཉེན་རྟོག", ["bo"]),  # two Tibetan syllables
        ("བརྙས་བཅོས", ["bo"]),
        ("угрожали", ["ru"]),
        ("КОНСУЛЬСТВ", ["ru"]),  # case folded, stem inside an inflection
        ("tehdit", ["tr"]),
        ("policiers paris", ["fr"]),  # every term must match
        ("paris", ["fr", "en"]),
        ("paris nowhere", []),
        ("", []),
    ],
)
def test_search(index: SearchIndex, query: str, expected: list[str]) -> None:
    assert sorted(index.search(query)) == sorted(expected)


def test_no_false_positive_from_scattered_bigrams() -> None:
    # Both bigrams of 警察站 occur, but not together: the substring check removes it.
    scattered = Report(id="x", received_day="2025-01-01", language="zh", urgent=False,
                       answers={"a": "警察来了。察站"})
    index = SearchIndex.build([scattered])
    assert index.search("警察站") == []
    assert index.search("察站") == ["x"]


def test_normalise_folds_forms() -> None:
    assert normalise("ﻻ") == normalise("لا")
    assert normalise("Ｐａｒｉｓ") == "paris"


def test_attachment_names_are_searchable() -> None:
    from review.casefile.report_reader import AttachmentInfo

    report = Report(id="r", received_day="2025-01-01", language="en", urgent=False, answers={},
                    attachments=(AttachmentInfo("attachment-001.age", "威胁信.jpg", "", 0, ""),))
    assert SearchIndex.build([report]).search("威胁信") == ["r"]


@pytest.mark.parametrize(
    "query", ["0551234567", "٠٥٥١٢٣٤٥٦٧", "۰۵۵۱۲۳۴۵۶۷", "０５５１２３４５６７"]
)
def test_numbers_match_whichever_digits_typed_them(query: str) -> None:
    index = SearchIndex.build([
        Report(id="ar", received_day="2025-01-01", language="ar", urgent=False,
               answers={"narrative": "اتصل بي من الرقم ٠٥٥١٢٣٤٥٦٧ وقال"}),
        Report(id="fa", received_day="2025-01-01", language="fa", urgent=False,
               answers={"narrative": "با شماره ۰۵۵۱۲۳۴۵۶۷ تماس گرفت"}),
        Report(id="en", received_day="2025-01-01", language="en", urgent=False,
               answers={"narrative": "he called from 0551234567"}),
    ])
    assert sorted(index.search(query)) == ["ar", "en", "fa"]
