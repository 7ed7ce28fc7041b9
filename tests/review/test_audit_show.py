"""The audit log, readable: `haven review audit show` and the page list who did what, when,
to which case, as sentences; nothing a reporter wrote can hide or inject, no secret shows."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from review.pickup.importer import import_bundle
from review.pickup.removal import remove_submission
from review.triage.changes import Casework
from review.web.audit_sentences import described_actions, in_language, terminal_language
from review.workspace import audit
from review.workspace.audit_query import PAGE_SIZE
from review.workspace.models import AuditEntry
from review.workspace.store import Workspace
from tests.review.bundles import BundleWriter, encrypted_submission
from tests.review.forms import unlock
from tests.review.reviewers import Reviewer

SECRET_NOTE = "the source is her brother in Urumqi"
REVIEW_SOURCES = Path(__file__).resolve().parents[2] / "review"


def _two_cases(workspace: Workspace, alice: Reviewer, bob: Reviewer,
               tmp_path: Path) -> tuple[str, str]:
    to = [alice.recipient, bob.recipient]
    made = [encrypted_submission({"narrative": "They came at night."}, recipients=to),
            encrypted_submission({"narrative": "A call from the police."}, recipients=to)]
    import_bundle(workspace, BundleWriter(made).write(tmp_path / "bundle.tar"), actor="courier")
    return made[0].id, made[1].id


def _work_on(workspace: Workspace, alice: Reviewer, first: str, second: str) -> None:
    casework = Casework(workspace, "alice", (alice.identity,))
    casework.set_status([first], "in_review")
    casework.add_note(first, SECRET_NOTE)
    casework.link(first, second)
    casework.assign([second], "bob")


def _show(runner: Callable[..., object], workspace: Workspace, *args: str) -> object:
    return runner("audit", "show", "--workspace", str(workspace.root), "--language", "en", *args)


def test_show_lists_who_did_what_when_to_which_case_as_sentences(
    runner: Callable[..., object], workspace: Workspace, alice: Reviewer, bob: Reviewer,
    tmp_path: Path,
) -> None:
    first, second = _two_cases(workspace, alice, bob, tmp_path)
    _work_on(workspace, alice, first, second)
    result = _show(runner, workspace)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    lines = [line.split("\t") for line in result.stdout.splitlines()]  # type: ignore[attr-defined]
    assert all(len(columns) == 5 for columns in lines), lines
    # Oldest first, numbered as the chain numbers them.
    assert [int(columns[0]) for columns in lines] == sorted(int(c[0]) for c in lines)
    by_sentence = {columns[4]: columns for columns in lines}
    status = by_sentence["Set the status to In review."]
    assert status[2] == "alice" and status[3] == first[:8]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", status[1])
    assert by_sentence["Added a note."][3] == first[:8]
    assert by_sentence[f"Linked the case to case {second[:8]}."][3] == first[:8]
    assert by_sentence["Assigned the case to bob."][3] == second[:8]
    imported = next(c for c in lines if c[4].startswith("Imported the bundle "))
    assert imported[2] == "courier" and imported[3] == "-"
    # The note's words are sealed; the log, and so its reading, never holds them.
    assert SECRET_NOTE not in result.output  # type: ignore[attr-defined]


def test_show_case_takes_a_short_id_and_lists_only_that_case(
    runner: Callable[..., object], workspace: Workspace, alice: Reviewer, bob: Reviewer,
    tmp_path: Path,
) -> None:
    first, second = _two_cases(workspace, alice, bob, tmp_path)
    _work_on(workspace, alice, first, second)
    result = _show(runner, workspace, "--case", first[:8].upper())
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    lines = result.stdout.splitlines()  # type: ignore[attr-defined]
    assert {line.split("\t")[3] for line in lines} == {first[:8]}
    assert [line.split("\t")[4] for line in lines] == [
        "Set the status to In review.", "Added a note.", f"Linked the case to case {second[:8]}."]


def test_show_case_finds_the_entries_of_a_removed_case(
    runner: Callable[..., object], workspace: Workspace, alice: Reviewer, bob: Reviewer,
    tmp_path: Path,
) -> None:
    first, second = _two_cases(workspace, alice, bob, tmp_path)
    _work_on(workspace, alice, first, second)
    remove_submission(workspace, first, actor="alice")
    result = _show(runner, workspace, "--case", first[:8])
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert result.stdout.splitlines()[-1].split("\t")[2:] == [  # type: ignore[attr-defined]
        "alice", first[:8], "Removed the submission and its files."]


def test_show_refuses_a_case_id_that_matches_no_case_or_several(
    runner: Callable[..., object], workspace: Workspace, alice: Reviewer, bob: Reviewer,
    tmp_path: Path,
) -> None:
    _two_cases(workspace, alice, bob, tmp_path)
    for wrong in ("ffffffff", "ab", "not-hex!"):
        result = _show(runner, workspace, "--case", wrong)
        assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
        assert "--case" in result.output  # type: ignore[attr-defined]


def test_show_is_bounded_and_says_how_many_earlier_entries_it_left_out(
    runner: Callable[..., object], workspace: Workspace, alice: Reviewer, bob: Reviewer,
    tmp_path: Path,
) -> None:
    first, second = _two_cases(workspace, alice, bob, tmp_path)
    _work_on(workspace, alice, first, second)
    with workspace.sessions() as session:
        total = len(list(session.scalars(select(AuditEntry))))
    result = _show(runner, workspace, "--limit", "2")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    shown = result.stdout.splitlines()  # type: ignore[attr-defined]
    assert [int(line.split("\t")[0]) for line in shown] == [total - 1, total]
    assert f"({total - 2} earlier entries not shown" in result.stderr  # type: ignore[attr-defined]


def test_reporter_supplied_names_cannot_hide_or_reorder_in_the_terminal(
    runner: Callable[..., object], workspace: Workspace, alice: Reviewer, bob: Reviewer,
    tmp_path: Path,
) -> None:
    first, _second = _two_cases(workspace, alice, bob, tmp_path)
    with workspace.transaction() as session:
        audit.append(session, actor="alice", action="view",
                     subject=f"case:{first}/invoice\u202efdp.exe\x1b[2J")
    result = _show(runner, workspace, "--case", first)
    assert "Opened the attachment invoice⟨U+202E⟩fdp.exe⟨U+001B⟩[2J." in result.output  # type: ignore[attr-defined]
    assert "\x1b" not in result.output and "\u202e" not in result.output  # type: ignore[attr-defined]


def test_every_action_review_records_has_a_sentence_of_its_own(app: Flask) -> None:
    # Every action name written anywhere in review/ (as a literal, or a triage field
    # passed on as the action), so a new action without a sentence fails here.
    written: set[str] = set()
    for source in REVIEW_SOURCES.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        written.update(re.findall(r'action="([a-z-]+)"', text))
        if source.name == "changes.py":
            written.update(re.findall(r'self\._update\(\[?\w+\]?, "([a-z-]+)"', text))
            written.update(re.findall(r'\("(status|priority|assign)", ', text))
            written.update(re.findall(r'"(link-confirmed|link-dismissed|link|unlink)"', text))
    assert {"import", "status", "note", "tags", "categories", "export"} <= written
    with in_language("en"):
        assert written - described_actions() == set()


def test_the_terminal_language_comes_from_the_locale_variables() -> None:
    assert terminal_language({}) == "en"
    assert terminal_language({"LANG": "C.UTF-8"}) == "en"
    # Only languages review has a catalog for; anything else reads in English.
    assert terminal_language({"LC_ALL": "xx_YY.UTF-8", "LANG": "fr_FR.UTF-8"}) == "en"


def _without_isolation(page: str) -> str:
    """The page with the <bdi> around each value taken away, to read its sentences."""
    return page.replace("<bdi>", "").replace("</bdi>", "")


def test_the_page_is_for_unlocked_reviewers_only(client: FlaskClient) -> None:
    response = client.get("/audit")
    assert response.status_code == 302
    assert "/unlock" in response.headers["Location"]


def test_the_page_lists_the_entries_newest_first_and_links_readable_cases(
    client: FlaskClient, workspace: Workspace, alice: Reviewer, bob: Reviewer, tmp_path: Path,
) -> None:
    first, second = _two_cases(workspace, alice, bob, tmp_path)
    _work_on(workspace, alice, first, second)
    assert unlock(client, alice) == 302
    inbox = client.get("/").get_data(as_text=True)
    assert 'href="/audit"' in inbox
    page = _without_isolation(client.get("/audit").get_data(as_text=True))
    assert "Set the status to In review." in page
    assert f'<a href="/case/{first}"><code>{first[:8]}</code></a>' in page
    assert page.index("Assigned the case to") < page.index("Set the status to In review.")
    assert SECRET_NOTE not in page
    assert 'aria-current="page">Audit log' in page
    assert "<code>haven review audit verify</code> checks" in page


def test_the_page_filters_by_short_id_and_refuses_an_unknown_one(
    client: FlaskClient, workspace: Workspace, alice: Reviewer, bob: Reviewer, tmp_path: Path,
) -> None:
    first, second = _two_cases(workspace, alice, bob, tmp_path)
    _work_on(workspace, alice, first, second)
    assert unlock(client, alice) == 302
    page = _without_isolation(client.get(f"/audit?case={second[:6]}").get_data(as_text=True))
    assert "Assigned the case to" in page
    assert "Set the status to In review." not in page
    assert f"entries about case {second[:8]}." in page
    refused = client.get("/audit?case=ffff0000")
    assert refused.status_code == 404
    assert "No case, or more than one" in refused.get_data(as_text=True)


def test_the_page_escapes_and_isolates_what_people_wrote(
    client: FlaskClient, workspace: Workspace, alice: Reviewer, bob: Reviewer, tmp_path: Path,
) -> None:
    first, _second = _two_cases(workspace, alice, bob, tmp_path)
    with workspace.transaction() as session:
        audit.append(session, actor="alice", action="view",
                     subject=f"case:{first}/<img src=x>\u202egpj.exe")
    assert unlock(client, alice) == 302
    page = client.get("/audit").get_data(as_text=True)
    assert "<img src=x>" not in page
    assert ("Opened the attachment <bdi>&lt;img src=x&gt;⟨U+202E⟩gpj.exe</bdi>.") in page


def test_the_page_shows_a_bounded_number_of_entries_with_links_to_the_rest(
    client: FlaskClient, workspace: Workspace, alice: Reviewer, bob: Reviewer, tmp_path: Path,
) -> None:
    first, _second = _two_cases(workspace, alice, bob, tmp_path)
    with workspace.transaction() as session:
        for _ in range(PAGE_SIZE + 5):
            audit.append(session, actor="alice", action="view", subject=f"case:{first}")
    assert unlock(client, alice) == 302
    newest = client.get("/audit").get_data(as_text=True)
    with workspace.sessions() as session:
        total = len(list(session.scalars(select(AuditEntry))))
    assert total > PAGE_SIZE
    assert newest.count('<td class="num">') == PAGE_SIZE
    assert f'<td class="num">{total}</td>' in newest
    assert 'rel="next" href="/audit?page=2"' in newest
    older = client.get("/audit?page=2").get_data(as_text=True)
    assert 'rel="prev" href="/audit?page=1"' in older
    assert older.count('<td class="num">') == total - PAGE_SIZE
    assert '<td class="num">1</td>' in older
    assert "Page 2 of 2." in older
