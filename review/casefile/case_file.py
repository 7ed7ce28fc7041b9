"""A report laid out as the reporter was asked: sections in order, empty answers apart.

The danger answer comes first of all; then each section of the questionnaire
version the report answered, with only the questions that were answered; then
any answer that version has no place for (a newer or hand-made document),
shown rather than hidden. The questions left empty are named together, once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from review.casefile.questionnaire_layout import DANGER_FIELD, LATEST, layout_of
from review.casefile.report_reader import Report

OTHER_SECTION = "other"


@dataclass(frozen=True)
class Answer:
    """One answered question: its field name and the reporter's value."""

    name: str
    value: Any


@dataclass(frozen=True)
class AnsweredSection:
    """A section with its answered questions; `title` is None for answers with no section."""

    name: str
    title: object
    answers: tuple[Answer, ...]


@dataclass(frozen=True)
class CaseFile:
    """What the case page shows of the answers."""

    danger: Answer | None
    sections: tuple[AnsweredSection, ...]
    unanswered: tuple[str, ...]
    version: str
    # False: the report answered a version this app has no layout for.
    version_known: bool
    laid_out_as: str


def is_empty(value: Any) -> bool:
    """Whether an answer says nothing: absent, blank, or only empty parts. (False is an answer.)"""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list):
        return all(is_empty(item) for item in value)
    if isinstance(value, Mapping):
        return all(is_empty(item) for item in value.values())
    return False


def case_file(report: Report) -> CaseFile:
    """Lay out `report` by the questionnaire version it answered."""
    sections_layout, known = layout_of(report.questionnaire_version)
    answers = report.answers
    placed: set[str] = set()
    unanswered: list[str] = []
    sections: list[AnsweredSection] = []
    danger_value = answers.get(DANGER_FIELD)
    danger = None if is_empty(danger_value) else Answer(DANGER_FIELD, danger_value)
    placed.add(DANGER_FIELD)
    if danger is None:
        unanswered.append(DANGER_FIELD)
    for section in sections_layout:
        shown = []
        for name in section.fields:
            if name == DANGER_FIELD:
                continue
            placed.add(name)
            if is_empty(answers.get(name)):
                unanswered.append(name)
            else:
                shown.append(Answer(name, answers[name]))
        if shown:
            sections.append(AnsweredSection(section.name, section.title, tuple(shown)))
    others = [Answer(name, value) for name, value in answers.items()
              if name not in placed and not is_empty(value)]
    if others:
        sections.append(AnsweredSection(OTHER_SECTION, None, tuple(others)))
    return CaseFile(danger=danger, sections=tuple(sections), unanswered=tuple(unanswered),
                    version=report.questionnaire_version, version_known=known,
                    laid_out_as=report.questionnaire_version if known else LATEST)
