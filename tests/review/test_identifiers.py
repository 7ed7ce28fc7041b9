"""Identifiers extracted from answers and normalised, so equal ones link cases."""

from __future__ import annotations

from typing import Any

import pytest

from review.identifiers import Identifier, extract
from review.related import RelatedIndex
from review.report import Report


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
        ("see https://Example.com/path/ today.", "", Identifier("url", "https://example.com/path")),
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
