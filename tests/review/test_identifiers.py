"""Identifiers extracted from answers and normalised, so equal ones link cases."""

from __future__ import annotations

import time
from typing import Any

import pytest

from review.casefile.identifiers import Identifier, extract
from review.casefile.related import RelatedIndex
from review.casefile.report_reader import Report


def _report(answers: dict[str, Any], case_id: str = "c") -> Report:
    return Report(id=case_id, received_day="2025-01-01", language="en", urgent=False,
                  answers=answers)


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        ("call from +86 138 0013 8000", "", Identifier("phone", "+8613800138000")),
        ("电话：+86-138-0013-8000", "", Identifier("phone", "+8613800138000")),
        ("il m'a appelé au 06 12 34 56 78", "FR", Identifier("phone", "+33612345678")),
        ("wa.me/33612345678", "", Identifier("phone", "+33612345678")),
        ("Write to Agent.Li@Example.CN now", "", Identifier("email", "agent.li@example.cn")),
        ("see https://Example.com/path/ today.", "", Identifier("url", "example.com/path")),
        ("t.me/Harasser_2024", "", Identifier("telegram", "harasser_2024")),
        ("Telegram: @Harasser_2024", "", Identifier("telegram", "harasser_2024")),
        ("微信号：wxhelper88", "", Identifier("wechat", "wxhelper88")),
        ("WeChat ID: WXhelper88", "", Identifier("wechat", "wxhelper88")),
        ("contact wxid_abcdef123456", "", Identifier("wechat", "wxid_abcdef123456")),
        ("plate: ab-123 cd", "", Identifier("plate", "AB123CD")),
        ("车牌：京A·12345", "", Identifier("plate", "京A12345")),
        ("Address: 12, Rue de la Paix", "", Identifier("address", "12 rue de la paix")),
        ("地址：巴黎十三区", "", Identifier("address", "巴黎十三区")),
    ],
)
def test_extract(text: str, country: str, expected: Identifier) -> None:
    assert expected in extract(_report({"identifiers": text, "country": country}))


def test_invalid_numbers_are_not_phones() -> None:
    found = extract(_report({"narrative": "born 1990, case 12345, 2023-04-05"}))
    assert not [i for i in found if i.kind == "phone"]


def test_related_cases_share_a_normalised_number() -> None:
    reports = [
        _report({"identifiers": "+33 6 12 34 56 78"}, "a"),
        _report({"narrative": "he called on 0612345678", "country": "FR"}, "b"),
        _report({"narrative": "wa.me/33612345678"}, "c"),
        _report({"narrative": "nothing shared here"}, "d"),
    ]
    index = RelatedIndex.build(reports)
    related = dict(index.related("a"))
    assert related[Identifier("phone", "+33612345678")] == ["b", "c"]
    assert index.related("d") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("他的邮箱是zhang.wei@163.com请注意", {Identifier("email", "zhang.wei@163.com")}),
        ("网址https://example.com/abc看看", {Identifier("url", "example.com/abc")}),
        ("他的电报t.me/harasser_01", {Identifier("telegram", "harasser_01")}),
        ("微信号是wxid_abcdef123456谢谢", {Identifier("wechat", "wxid_abcdef123456")}),
        ("我的微信号是zhangwei88", {Identifier("wechat", "zhangwei88")}),
        ("العنوان: شارع الملك فهد ١٢", {Identifier("address", "شارع الملك فهد 12")}),
        ("车牌号码：京A·12345", {Identifier("plate", "京A12345")}),
        ("پلاک: ۱۲ ب ۳۴۵", {Identifier("plate", "12ب345")}),
        ("plate:\nI saw him at the market yesterday", set()),
        ("car: grey Toyota van", set()),
        ("vehicle: a black saloon", set()),
        ("contact wxid_abcdef123456", {Identifier("wechat", "wxid_abcdef123456")}),
    ],
)
def test_extract_in_chinese_arabic_and_persian_text(text: str,
                                                    expected: set[Identifier]) -> None:
    assert extract(_report({"narrative": text})) == expected


def test_arabic_indic_and_persian_digits_are_the_same_phone() -> None:
    reports = [
        _report({"narrative": "اتصل بي من الرقم ٠٥٥١٢٣٤٥٦٧ وقال", "country": "SA"}, "a"),
        _report({"narrative": "با شماره ۰۵۵۱۲۳۴۵۶۷ تماس گرفت", "country": "SA"}, "b"),
        _report({"narrative": "he called from 055 123 4567", "country": "SA"}, "c"),
    ]
    related = dict(RelatedIndex.build(reports).related("a"))
    assert related[Identifier("phone", "+966551234567")] == ["b", "c"]


HOSTILE_LENGTH = 20_000


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("a" * HOSTILE_LENGTH, id="word-chars-no-at"),
        pytest.param("举" * HOSTILE_LENGTH, id="cjk-no-at"),
        pytest.param("a@" * (HOSTILE_LENGTH // 2), id="many-at-signs"),
        pytest.param("tg" + " " * HOSTILE_LENGTH, id="telegram-spaces"),
        pytest.param("wechat" + " " * HOSTILE_LENGTH, id="wechat-spaces"),
        pytest.param("\n" * HOSTILE_LENGTH, id="newlines"),
        pytest.param("plate: a" + " " * HOSTILE_LENGTH + "b", id="labelled-spaces"),
        pytest.param("plate:" * (HOSTILE_LENGTH // 6), id="labels"),
        pytest.param("https://" + "a" * HOSTILE_LENGTH, id="url"),
        pytest.param("1 " * (HOSTILE_LENGTH // 2), id="digits"),
        pytest.param("t.me/" * (HOSTILE_LENGTH // 5), id="telegram-links"),
        pytest.param("@" * HOSTILE_LENGTH, id="at-signs"),
        pytest.param("@ab on " * (HOSTILE_LENGTH // 7), id="handles-on"),
        pytest.param("plate " + "AB " * (HOSTILE_LENGTH // 3), id="plate-groups"),
        pytest.param("x.com/" * (HOSTILE_LENGTH // 6), id="profile-links"),
        pytest.param("00" * (HOSTILE_LENGTH // 2), id="zeros"),
        pytest.param("0 1" * (HOSTILE_LENGTH // 3), id="national-digits"),
    ],
)
def test_hostile_answers_are_extracted_in_linear_time(text: str) -> None:
    # Every pattern runs at every unlock over text anyone could submit: the
    # catastrophic ones took 3-12 s on these inputs, a linear scan takes milliseconds.
    started = time.perf_counter()
    extract(_report({"narrative": text, "identifiers": text}))
    assert time.perf_counter() - started < 1.0
