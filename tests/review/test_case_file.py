"""The case file: answers in the questionnaire's order and sections, empty ones apart."""

from __future__ import annotations

import re
from pathlib import Path

from flask.testing import FlaskClient

from intake import questionnaire
from review.casefile.case_file import case_file
from review.casefile.questionnaire_layout import LAYOUTS
from review.casefile.report_reader import Report
from review.pickup.importer import import_bundle
from review.workspace.store import Workspace
from tests.review.bundles import BundleWriter, encrypted_submission
from tests.review.forms import unlock
from tests.review.reviewers import Reviewer


def test_the_layout_is_intakes_questionnaire_of_the_same_version() -> None:
    # review keeps its own copy (it never imports intake); this keeps them in step.
    layout = LAYOUTS[questionnaire.VERSION]
    asked = [(s.name, tuple(q.name for q in questionnaire.QUESTIONS
                            if q.section == s.name and q.kind != "files"))
             for s in questionnaire.SECTIONS]
    assert [(s.name, s.fields) for s in layout] == [(n, f) for n, f in asked if f]


def _report(answers: dict[str, object], version: str = "1.0.0") -> Report:
    return Report(id="c", received_day="2025-01-01", language="en", urgent=False,
                  answers=answers, questionnaire_version=version)


ANSWERS = {
    # In the order of their keys, as the old page listed them.
    "anonymity": "pseudonymous", "categories": ["threats"], "city": "", "code_word": "",
    "contact_channels": [], "country": "FR", "danger_now": "yes", "narrative": "They came.",
    "relatives_at_risk": "not_sure", "state": "China", "when": "   ",
}


def test_sections_in_order_with_only_answered_questions() -> None:
    laid_out = case_file(_report(ANSWERS))
    assert laid_out.danger is not None and laid_out.danger.value == "yes"
    assert [(s.name, [a.name for a in s.answers]) for s in laid_out.sections] == [
        ("incident", ["categories", "narrative", "state", "country"]),
        ("people", ["relatives_at_risk"]),
        ("about_you", ["anonymity"]),
    ]
    assert "city" in laid_out.unanswered and "when" in laid_out.unanswered
    assert "contact_channels" in laid_out.unanswered
    assert laid_out.version_known


def test_an_unknown_version_keeps_every_answer() -> None:
    laid_out = case_file(_report({"narrative": "x", "residence_country": "GB"}, "9.0.0"))
    assert not laid_out.version_known
    assert laid_out.sections[-1].name == "other"
    assert [a.name for a in laid_out.sections[-1].answers] == ["residence_country"]


def test_the_case_page_reads_in_the_questionnaires_order(
    client: FlaskClient, workspace: Workspace, alice: Reviewer, tmp_path: Path
) -> None:
    submission = encrypted_submission(ANSWERS, recipients=[alice.recipient])
    import_bundle(workspace, BundleWriter([submission]).write(tmp_path / "b.tar"), actor="t")
    assert unlock(client, alice) == 302
    page = client.get(f"/case/{submission.id}").get_data(as_text=True)
    answers = page.split('id="answers-heading"')[1].split('id="identifiers-heading"')[0]
    # The danger answer first, as a label; then the sections in order.
    order = [answers.index(t) for t in (
        "Anyone in danger right now", "The incident", "Categories", "Direct threats",
        "They came.", "State behind it", "Who was involved", "not sure",
        "About the reporter", "Under a name they choose")]
    assert order == sorted(order)
    # Empty answers behind one line, never as blanks or dashes in the list.
    assert re.search(r"<details class=\"unanswered\">\s*<summary>\d+ questions were not answered",
                     answers)
    listed = answers.split("<details")[0]
    assert "City or area" not in listed and "—" not in listed
    assert "City or area" in answers.split("<details")[1]
