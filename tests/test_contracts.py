"""contracts/ read from both sides: what intake writes is what review accepts."""

from __future__ import annotations

import pytest

from contracts import pickup, report
from intake import questionnaire


@pytest.mark.parametrize("number", [1, 9, 10, 99, 100, 999, 1000, 12345])
def test_attachment_names_intake_writes_are_names_review_accepts(number: int) -> None:
    assert pickup.ATTACHMENT_NAME.fullmatch(pickup.attachment_name(number))


@pytest.mark.parametrize("name", ["attachment-000.age", "attachment-01.age", "attachment-١٢٣.age",
                                  "attachment-001.age/", "../attachment-001.age", "report.age"])
def test_review_accepts_no_other_attachment_name(name: str) -> None:
    assert pickup.ATTACHMENT_NAME.fullmatch(name) is None


def test_attachments_are_numbered_from_one() -> None:
    with pytest.raises(ValueError):
        pickup.attachment_name(0)


def test_the_answers_review_reads_by_name_are_questions_intake_asks() -> None:
    asked = {question.name for question in questionnaire.QUESTIONS}
    read = {report.DANGER_NOW, report.CATEGORIES, report.STATE, report.COUNTRY,
            report.NARRATIVE, report.CONSENT}
    assert read <= asked


def test_intake_asks_the_questionnaire_version_review_labels() -> None:
    assert questionnaire.definition()["version"] == report.QUESTIONNAIRE_VERSION
