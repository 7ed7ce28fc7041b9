"""contracts/ read from both sides: what intake writes is what review accepts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import keys
from contracts import pickup, report
from intake import config, questionnaire
from intake.errors import ConfigError
from review.pickup import manifest


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


def _recipients_file(tmp_path: Path, count: int) -> Path:
    path = tmp_path / f"recipients-{count}.txt"
    lines = [str(keys.HybridIdentity.generate().recipient()) for _ in range(count)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _manifest_with_report(size: int) -> bytes:
    entry = {"id": "a" * 32, "received_day": "2025-03-14", "reply_recipient": None,
             "follows": None,
             "files": [{"name": "report.age", "kind": "report", "size": size,
                        "sha256": "0" * 64}]}
    return json.dumps({"format": "haven-pickup", "version": 3, "bundle_id": "b" * 32,
                       "created_day": "2025-03-15", "submissions": [entry]}).encode()


def test_the_largest_document_intake_writes_is_a_report_review_takes(tmp_path: Path) -> None:
    # From intake's side: the most recipients its configuration accepts...
    accepted = config.load_recipients(_recipients_file(tmp_path, 20))
    largest = keys.encrypt(bytes(report.MAX_DOCUMENT_BYTES), recipients=accepted)
    assert len(largest) <= report.MAX_REPORT_BYTES
    # ...and from review's: a report of that size is imported, one byte more is skipped.
    assert manifest.parse_manifest(_manifest_with_report(report.MAX_REPORT_BYTES)).skipped == ()
    (skipped,) = manifest.parse_manifest(_manifest_with_report(report.MAX_REPORT_BYTES + 1)).skipped
    assert "over the 1048576 limit" in skipped.reason


def test_intake_refuses_recipients_whose_header_would_not_leave_room(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="too many for a report to stay within 1048576"):
        config.load_recipients(_recipients_file(tmp_path, 40))


def test_intake_asks_short_answers_within_the_contract() -> None:
    assert questionnaire.SHORT_TEXT_CHARS == report.MAX_SHORT_ANSWER_CHARS


def test_every_language_intake_records_is_a_tag_review_keeps() -> None:
    from contracts.fields import LANGUAGE
    from intake.i18n import available_languages

    languages = available_languages()
    assert len(languages) == 10
    for language in languages:
        assert LANGUAGE.fullmatch(language), language
