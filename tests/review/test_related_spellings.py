"""One identifier in many spellings links every case that has it, and a search finds them all."""

from __future__ import annotations

from typing import Any

import pytest

from review.casefile.identifiers import Identifier, extract, query_identifiers
from review.casefile.library import CaseLibrary
from review.casefile.regions import country_code
from review.casefile.related import RelatedIndex
from review.casefile.report_reader import Report
from review.casefile.search import SearchIndex


def _report(case_id: str, answers: dict[str, Any], language: str = "en") -> Report:
    return Report(id=case_id, received_day="2025-01-01", language=language, urgent=False,
                  answers=answers)


def _library(*reports: Report) -> CaseLibrary:
    return CaseLibrary(reports={r.id: r for r in reports}, search=SearchIndex.build(reports),
                       related=RelatedIndex.build(reports))


def _linked(library: CaseLibrary, case_id: str) -> set[str]:
    return {other for _, others in library.related.related(case_id) for other in others}


PHONE_CASES = (
    _report("english", {"narrative": "He called me from +44 7911 123456 twice."}),
    # National format: the country answer 英国 (United Kingdom, in Chinese) says whose.
    _report("chinese", {"narrative": "他用07911 123456给我打电话", "country": "英国"}, "zh-Hans"),
    # "00" and Persian digits, in a report whose country is another one.
    _report("persian", {"narrative": "با شماره ۰۰۴۴ ۷۹۱۱ ۱۲۳۴۵۶ تماس گرفت", "country": "ترکیه"},
            "fa"),
)


def test_three_spellings_of_one_phone_link_three_cases() -> None:
    library = _library(*PHONE_CASES, _report("other", {"narrative": "+44 7911 654321"}))
    for report in PHONE_CASES:
        assert Identifier("phone", "+447911123456") in extract(report), report.id
    assert _linked(library, "english") == {"chinese", "persian"}
    assert _linked(library, "chinese") == {"english", "persian"}
    assert _linked(library, "other") == set()


@pytest.mark.parametrize("query", ["7911123456", "07911 123456", "+44 7911 123456",
                                   "0044 7911 123456", "+447911123456", "۰۷۹۱۱۱۲۳۴۵۶"])
def test_a_search_for_any_spelling_finds_all_three(query: str) -> None:
    library = _library(*PHONE_CASES, _report("other", {"narrative": "+44 7911 654321"}))
    assert set(library.find(query)) == {"english", "chinese", "persian"}


def test_a_national_number_with_no_country_links_by_national_significant_number() -> None:
    library = _library(
        _report("known", {"narrative": "+44 7911 123456"}),
        _report("unknown", {"narrative": "the number was 07911 123456"}),
        # Another country's number with the same national digits is another phone.
        _report("french", {"narrative": "+33 7 91 11 23 45 6"}),
    )
    assert Identifier("national_number", "7911123456") in extract(library.reports["unknown"])
    assert _linked(library, "unknown") == {"known"}
    assert _linked(library, "known") == {"unknown"}


@pytest.mark.parametrize(
    ("answer", "code"),
    [("GB", "GB"), ("gb", "GB"), ("英国", "GB"), ("英國", "GB"), ("Royaume-Uni", "GB"),
     ("United Kingdom.", "GB"), ("UK", "GB"), ("بریتانیا", "GB"), ("Великобритания", "GB"),
     ("Birleşik Krallık", "GB"), ("فرنسا", "FR"), ("nowhere land", None), ("", None)],
)
def test_country_answers_as_codes_or_names_in_every_language(answer: str,
                                                             code: str | None) -> None:
    assert country_code(answer) == code


def test_the_reporters_language_is_a_weak_hint() -> None:
    # No country answer: a French report's national number is read as French.
    found = extract(_report("a", {"narrative": "il m'appelle au 06 12 34 56 78"}, "fr"))
    assert Identifier("phone", "+33612345678") in found
    # The country answer is stronger than the language.
    found = extract(_report("b", {"narrative": "07911 123456", "country": "GB"}, "fr"))
    assert Identifier("phone", "+447911123456") in found


HANDLE_CASES = (
    _report("on-x", {"narrative": "The account @lnd_patriot on X posted my address."}),
    _report("x-label", {"identifiers": "X: @LND_Patriot"}),
    _report("link", {"narrative": "see https://twitter.com/lnd_patriot?s=20 for the posts"}),
    _report("bare", {"narrative": "他们用 @lnd_patriot 骂我"}, "zh-Hans"),
)


def test_handle_spellings_link_every_case() -> None:
    library = _library(*HANDLE_CASES, _report("insta", {"narrative": "@someone_else on Instagram"}))
    for report in HANDLE_CASES[:3]:
        assert Identifier("x", "lnd_patriot") in extract(report), report.id
    assert Identifier("handle", "lnd_patriot") in extract(HANDLE_CASES[3])
    assert _linked(library, "on-x") == {"x-label", "link", "bare"}
    assert _linked(library, "bare") == {"on-x", "x-label", "link"}
    assert _linked(library, "insta") == set()
    for query in ("@lnd_patriot", "LND_PATRIOT", "x.com/lnd_patriot"):
        assert set(library.find(query)) == {"on-x", "x-label", "link", "bare"}, query


def test_an_account_on_one_platform_is_not_the_same_name_on_another() -> None:
    library = _library(_report("a", {"narrative": "@abc_def on Instagram"}),
                       _report("b", {"narrative": "Telegram: @abc_def"}))
    assert _linked(library, "a") == set()


def test_platform_accounts_in_other_forms() -> None:
    assert Identifier("wechat", "abc") in extract(_report("w", {"identifiers": "WeChat: abc"}))
    assert Identifier("telegram", "harasser_01") in extract(
        _report("t", {"narrative": "https://t.me/Harasser_01"}))
    assert Identifier("instagram", "some.one") in extract(
        _report("i", {"narrative": "instagram.com/some.one/"}))


PLATE_CASES = (
    _report("line", {"identifiers": "plate: ab-123-cd"}),
    _report("mid", {"narrative": "A grey van, plate AB 123 CD, waited outside every night."}),
    _report("french", {"narrative": "Une voiture immatriculée AB-123-CD me suit."}, "fr"),
    _report("field", {"vehicle_plate": "AB.123.CD"}),
)


def test_plate_spellings_link_every_case() -> None:
    library = _library(*PLATE_CASES)
    for report in PLATE_CASES:
        assert Identifier("plate", "AB123CD") in extract(report), report.id
    assert _linked(library, "mid") == {"line", "french", "field"}
    for query in ("AB-123-CD", "ab 123 cd", "ab123cd"):
        assert set(library.find(query)) == {"line", "mid", "french", "field"}, query


def test_a_chinese_plate_mid_sentence() -> None:
    found = extract(_report("c", {"narrative": "一辆车牌京A·12345的车跟着我"}, "zh-Hans"))
    assert Identifier("plate", "京A12345") in found


EMAIL_CASES = (
    _report("plain", {"narrative": "He writes from Agent.Li@Gmail.com"}),
    _report("dots", {"narrative": "邮箱是agentli+paris@googlemail.com请注意"}, "zh-Hans"),
    _report("upper", {"identifiers": "AGENTLI@GMAIL.COM"}),
)


def test_email_spellings_link_by_the_providers_documented_rules() -> None:
    library = _library(*EMAIL_CASES, _report("other", {"narrative": "agent.li@example.cn"}),
                       _report("outlook", {"narrative": "a.b+x@outlook.com"}))
    for report in EMAIL_CASES:
        assert Identifier("email", "agentli@gmail.com") in extract(report), report.id
    assert _linked(library, "plain") == {"dots", "upper"}
    # Dots are kept where the provider does not document ignoring them.
    assert Identifier("email", "agent.li@example.cn") in extract(library.reports["other"])
    assert Identifier("email", "a.b@outlook.com") in extract(library.reports["outlook"])
    for query in ("agent.li@gmail.com", "AgentLi+x@googlemail.com"):
        assert set(library.find(query)) == {"plain", "dots", "upper"}, query


def test_urls_are_host_and_path() -> None:
    found = extract(_report("u", {"narrative": "http://WWW.Example.com:80/a/b/?utm_source=x#top"}))
    assert Identifier("url", "example.com/a/b") in found


def test_a_link_says_where_the_identifier_appears_in_each_case() -> None:
    library = _library(*PHONE_CASES)
    link = next(k for k in library.related.links("chinese")
                if k.identifier == Identifier("phone", "+447911123456"))
    assert [(o.field, o.match) for o in link.occurrences] == [("narrative", "07911 123456")]
    assert {(o.case_id, o.occurrences[0].match) for o in link.others} == {
        ("english", "+44 7911 123456"), ("persian", "۰۰۴۴ ۷۹۱۱ ۱۲۳۴۵۶")}


def test_queries_read_as_identifiers() -> None:
    assert Identifier("national_number", "7911123456") in query_identifiers("07911 123456")
    assert Identifier("phone", "+447911123456") in query_identifiers("0044 7911 123456")
    assert Identifier("plate", "AB123CD") in query_identifiers("ab-123-cd")
    assert query_identifiers("paris") == {Identifier("handle", "paris")}
