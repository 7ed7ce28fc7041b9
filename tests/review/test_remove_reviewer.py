"""`haven review remove-reviewer`: the row goes, sealed triage no longer opens with the key."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

import keys
from review.cli import review_group
from review.pickup.importer import import_bundle
from review.replies.record import ReplyContent, unseal_reply
from review.replies.writing import write_reply
from review.session.unlock import MIN_WORK_FACTOR
from review.triage.changes import Casework
from review.triage.record import unseal
from review.workspace import audit
from review.workspace.models import AuditEntry, Reply, Triage
from review.workspace.models import Reviewer as ReviewerRow
from review.workspace.store import DATABASE_NAME, Workspace
from tests.review.bundles import BundleWriter, encrypted_submission
from tests.review.reviewers import PASSPHRASE, Reviewer


def _identity_file(reviewer: Reviewer, tmp_path: Path) -> Path:
    # The command refuses identity files cheaper than the unlock page accepts,
    # so this one is written at that minimum rather than the suite's cheap factor.
    path = tmp_path / f"{reviewer.name}.cli.identity.age"
    if path.exists():
        return path
    keys.write_identity_file(path, [reviewer.identity], passphrase=PASSPHRASE,
                             work_factor=MIN_WORK_FACTOR)
    return path


def _remove(workspace: Workspace, name: str, identity_file: Path,
            passphrase: str = PASSPHRASE) -> tuple[int, str]:
    result = CliRunner().invoke(review_group, [
        "remove-reviewer", "--workspace", str(workspace.root), "--name", name,
        "--identity", str(identity_file), "--yes",
    ], input=f"{passphrase}\n")
    return result.exit_code, result.output


def _cases(workspace: Workspace, tmp_path: Path, alice: Reviewer, bob: Reviewer) -> list[str]:
    submissions = [encrypted_submission({"narrative": f"case {n}"},
                                        recipients=[alice.recipient, bob.recipient])
                   for n in range(2)]
    import_bundle(workspace, BundleWriter(submissions).write(tmp_path / "b.tar"), actor="test")
    return [s.id for s in submissions]


def _state(workspace: Workspace) -> tuple[object, ...]:
    with workspace.sessions() as session:
        return (
            sorted((r.name, r.recipient) for r in session.scalars(select(ReviewerRow))),
            sorted((t.submission_id, t.assignee, t.sealed, t.sealed_for, t.revision)
                   for t in session.scalars(select(Triage))),
            len(list(session.scalars(select(AuditEntry)))),
        )


def test_leaving_reviewer_key_opens_no_sealed_record(
    workspace: Workspace, alice: Reviewer, bob: Reviewer, tmp_path: Path
) -> None:
    first, second = _cases(workspace, tmp_path, alice, bob)
    casework = Casework(workspace, "alice", (alice.identity,))
    casework.add_note(first, "the grey van again")
    casework.add_tags([second], ["Paris"])
    casework.assign([second], "bob")
    with workspace.sessions() as session:
        sealed_before = [t.sealed for t in session.scalars(select(Triage))]

    code, output = _remove(workspace, "bob", _identity_file(alice, tmp_path))

    assert code == 0, output
    assert "2 triage records and 0 replies resealed" in output
    assert "1 case unassigned" in output
    with workspace.sessions() as session:
        assert [r.name for r in session.scalars(select(ReviewerRow))] == ["alice"]
        rows = {t.submission_id: t for t in session.scalars(select(Triage))}
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        assert audit.verify(session).intact
    for row in rows.values():
        with pytest.raises(keys.NoIdentityMatchError):
            unseal(row.sealed, identities=[bob.identity])
    assert unseal(rows[first].sealed, identities=[alice.identity]).notes[0].text == (
        "the grey van again")
    assert unseal(rows[second].sealed, identities=[alice.identity]).tags == ("Paris",)
    assert rows[second].assignee is None
    assert [(e.action, e.subject) for e in entries[-2:]] == [
        ("assign", f"case:{second}"), ("remove-reviewer", "reviewer:bob")]
    assert str(bob.recipient) in entries[-1].detail
    # The records bob's key opens are gone from the files, not only superseded.
    on_disk = b"".join(p.read_bytes() for p in workspace.root.glob(f"{DATABASE_NAME}*"))
    for blob in sealed_before:
        assert blob is not None and blob not in on_disk


def test_refusals_change_nothing(
    workspace: Workspace, alice: Reviewer, bob: Reviewer,
    make_reviewer: Callable[[str], Reviewer], tmp_path: Path
) -> None:
    first, _ = _cases(workspace, tmp_path, alice, bob)
    Casework(workspace, "alice", (alice.identity,)).add_note(first, "before carol")
    carol = make_reviewer("carol")
    with workspace.transaction() as session:
        session.add(ReviewerRow(name="carol", recipient=str(carol.recipient)))
    before = _state(workspace)

    refusals = [
        (("nobody", _identity_file(alice, tmp_path)), "no reviewer named 'nobody'"),
        (("bob", _identity_file(bob, tmp_path)), "that identity is 'bob''s own"),
        # Carol cannot read the note sealed before she joined: resealing it unread
        # would destroy it.
        (("bob", _identity_file(carol, tmp_path)), "1 case's notes were sealed before"),
    ]
    for (name, identity_file), message in refusals:
        code, output = _remove(workspace, name, identity_file)
        assert code == 1 and message in output, output
    code, output = _remove(workspace, "bob", _identity_file(alice, tmp_path), "wrong")
    assert code == 1 and "identity file or passphrase is wrong" in output
    assert _state(workspace) == before


def test_the_last_reviewer_cannot_be_removed(
    workspace: Workspace, alice: Reviewer, bob: Reviewer, tmp_path: Path
) -> None:
    code, output = _remove(workspace, "bob", _identity_file(alice, tmp_path))
    assert code == 0, output
    before = _state(workspace)
    # Alice's key vouches; she is also the one leaving, so both refusals apply:
    # the first one found is that nobody would remain.
    code, output = _remove(workspace, "alice", _identity_file(alice, tmp_path))
    assert code == 1 and "is the last reviewer" in output, output
    assert _state(workspace) == before


def test_replies_are_resealed_without_the_leaving_reviewer(
    workspace: Workspace, alice: Reviewer, bob: Reviewer, tmp_path: Path
) -> None:
    """Replies are sealed like notes; bob's key must open none of them after he leaves."""
    case = encrypted_submission({"narrative": "case"}, recipients=[alice.recipient, bob.recipient])
    case = dataclasses.replace(
        case, reply_recipient=str(keys.HybridIdentity.generate().recipient()))
    import_bundle(workspace, BundleWriter([case]).write(tmp_path / "b.tar"), actor="test")
    write_reply(workspace, case.id, ReplyContent.checked(status="reading", text="we read it"),
                reviewer="alice")

    code, output = _remove(workspace, "bob", _identity_file(alice, tmp_path))

    assert code == 0, output
    with workspace.sessions() as session:
        (reply,) = session.scalars(select(Reply))
    with pytest.raises(keys.NoIdentityMatchError):
        unseal_reply(reply.sealed, identities=[bob.identity])
    assert unseal_reply(reply.sealed, identities=[alice.identity]).text == "we read it"
