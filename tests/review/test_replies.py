"""Replies: reviewers' signing keys, replies written and sealed, and the signed reply bundle."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

import keys
from contracts.replies import MAX_TEXT_CHARS, STATUSES
from keys.signing import REPLIES_NAMESPACE, VerifyingKey
from review.cli import review_group
from review.errors import ReplyError
from review.replies.manifest import ReplyManifest, parse_reply_document, parse_reply_manifest
from review.session.signing_keys import open_signing_key
from review.workspace.models import AuditEntry, Reply
from review.workspace.models import Reviewer as ReviewerRow
from review.workspace.store import DATABASE_NAME, OBJECTS_DIR, Workspace
from review.workspace.upgrade import SCHEMA_VERSION
from tests.review import reply_bundles
from tests.review.bundles import INTAKE_KEY, BundleWriter, encrypted_submission
from tests.review.reviewers import Reviewer, command_line_identity
from tests.support import WAIT_SECONDS, require_program

DOCS = Path(__file__).resolve().parents[2] / "docs"
CANARY = "canary-7f3a reply words nobody may find at rest"


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(review_group, list(args))
    return result.exit_code, result.output


class Team:
    """A workspace made through the command line, alice its reviewer, one answerable case."""

    def __init__(self, tmp_path: Path, alice: Reviewer) -> None:
        self.root = tmp_path / "ws"
        self.tmp = tmp_path
        assert _invoke("init", "--workspace", str(self.root),
                       "--intake-key", str(INTAKE_KEY.public_key()))[0] == 0
        code, output = _invoke("add-reviewer", "--workspace", str(self.root), "--name", "alice",
                               "--recipient", str(alice.recipient))
        assert code == 0, output
        self.identity, self.passphrase = command_line_identity(alice, tmp_path)
        # The reporter's reply key, as intake derives it from a receipt code.
        self.reporter = keys.HybridIdentity.generate()
        case = encrypted_submission({"narrative": "They followed me home.\nSecond line."},
                                    recipients=[alice.recipient])
        case.reply_recipient = str(self.reporter.recipient())
        silent = encrypted_submission({"narrative": "No way to answer me."},
                                      recipients=[alice.recipient])
        self.case, self.silent = case.id, silent.id
        bundle = BundleWriter([case, silent]).write(tmp_path / "pickup.tar")
        assert _invoke("import", str(bundle), "--workspace", str(self.root))[0] == 0

    def run(self, command: str, *args: str) -> tuple[int, str]:
        return _invoke(command, *args, "--workspace", str(self.root),
                       "--identity", str(self.identity), "--passphrase-file",
                       str(self.passphrase))

    def reply(self, case: str, *options: str) -> tuple[int, str]:
        return self.run("reply", case, *options)

    def text_file(self, text: str) -> Path:
        path = self.tmp / f"reply-{hashlib.sha256(text.encode()).hexdigest()[:8]}.txt"
        path.write_text(text, encoding="utf-8")
        return path

    def send(self, name: str) -> tuple[int, str, Path]:
        out = self.tmp / name
        code, output = self.run("replies", "--out", str(out))
        return code, output, out


@pytest.fixture
def team(tmp_path: Path, alice: Reviewer) -> Team:
    return Team(tmp_path, alice)


def _at_rest(root: Path) -> bytes:
    """Every byte the workspace holds on disk: database, WAL, objects."""
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


def _reply_files(bundle: Path) -> tuple[dict[str, object], list[tuple[str, bytes]]]:
    found = reply_bundles.members(bundle)
    return json.loads(found[0][1]), found


# Signing keys

def test_add_reviewer_seals_a_signing_key_only_their_identity_opens(
        team: Team, alice: Reviewer, bob: Reviewer) -> None:
    code, line = _invoke("signing-key", "--workspace", str(team.root), "--reviewer", "alice")
    assert code == 0, line
    assert re.fullmatch(r"ssh-ed25519 AAAA[A-Za-z0-9+/=]+ alice\n", line), line
    with Workspace.open(team.root) as workspace, workspace.sessions() as session:
        row = session.get(ReviewerRow, "alice")
        assert row is not None and row.sealed_signing_key is not None
        assert b"OPENSSH PRIVATE KEY" not in _at_rest(team.root)
        opened = open_signing_key(row, identity=alice.identity)
        assert str(opened.public_key()) == line.split(" alice")[0]
        with pytest.raises(Exception, match="cannot be opened"):
            open_signing_key(row, identity=bob.identity)
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "add-reviewer")).one()
        assert json.loads(entry.facts) == {"signing_key": opened.public_key().fingerprint()}
    # Asking again prints the same key: it is made once.
    assert _invoke("signing-key", "--workspace", str(team.root), "--reviewer", "alice")[1] == line


def test_signing_key_of_an_unknown_reviewer_is_refused(team: Team) -> None:
    code, output = _invoke("signing-key", "--workspace", str(team.root), "--reviewer", "mallory")
    assert code == 1 and "no reviewer named 'mallory'" in output


def test_a_schema_4_workspace_is_upgraded_and_its_reviewers_get_keys_later(
        team: Team, alice: Reviewer) -> None:
    with sqlite3.connect(team.root / DATABASE_NAME) as db:
        for table in ("replies", "reply_bundles"):
            db.execute(f"DROP TABLE {table}")
        for table, column in (("reviewers", "signing_key"), ("reviewers", "sealed_signing_key"),
                              ("submissions", "follows"), ("submissions", "arrival"),
                              ("triage", "news")):
            db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        db.execute("PRAGMA user_version=4")
    db.close()
    with Workspace.open(team.root) as workspace:
        with workspace.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA user_version").scalar() == SCHEMA_VERSION
        with workspace.sessions() as session:
            assert session.get(ReviewerRow, "alice").signing_key is None  # type: ignore[union-attr]
    # Nothing was lost, and the reviewer's key comes with the first use.
    code, output = team.reply(team.case[:8], "--status", "received")
    assert code == 0, output
    code, line = _invoke("signing-key", "--workspace", str(team.root), "--reviewer", "alice")
    assert code == 0 and line.startswith("ssh-ed25519 ")
    code, output = _invoke("audit", "verify", "--workspace", str(team.root))
    assert code == 0, output


# Writing replies from the command line

def test_cases_lists_full_and_short_ids_with_the_first_line(team: Team) -> None:
    code, output = team.run("cases")
    assert code == 0, output
    assert f"{team.case}  {team.case[:8]}  2025-03-14  They followed me home.\n" in output
    assert "Second line" not in output
    assert team.silent in output


def test_a_reply_is_sealed_audited_and_never_at_rest_in_the_clear(team: Team) -> None:
    code, output = team.reply(team.case[:8], "--status", "reading",
                              "--text-file", str(team.text_file(CANARY)))
    assert code == 0, output
    reply_id = re.search(r"Reply ([0-9a-f]{32}) written to case " + team.case, output)
    assert reply_id, output
    assert CANARY.encode() not in _at_rest(team.root)
    with Workspace.open(team.root) as workspace, workspace.sessions() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "reply")).one()
        assert entry.subject == f"case:{team.case}" and entry.actor == "alice"
        assert json.loads(entry.facts) == {"reply": reply_id.group(1), "status": "yes",
                                           "text": "yes"}
        assert session.get(Reply, reply_id.group(1)) is not None


@pytest.mark.parametrize("options, message", [
    ((), "give --status, --text-file, or both"),
    (("--status", "maybe"), "Invalid value for '--status'"),
])
def test_a_reply_without_words_is_refused(team: Team, options: tuple[str, ...],
                                          message: str) -> None:
    code, output = team.reply(team.case, *options)
    assert code != 0 and message in output


def test_text_alone_up_to_the_limit_and_not_beyond(team: Team) -> None:
    assert team.reply(team.case, "--text-file", str(team.text_file("x" * MAX_TEXT_CHARS)))[0] == 0
    code, output = team.reply(team.case, "--text-file",
                              str(team.text_file("y" * (MAX_TEXT_CHARS + 1))))
    assert code == 1 and f"at most {MAX_TEXT_CHARS} characters" in output


def test_a_case_without_a_reply_key_cannot_be_answered(team: Team) -> None:
    code, output = team.reply(team.silent, "--status", "received")
    assert code == 1 and "cannot be answered" in output and "no reply key" in output
    with Workspace.open(team.root) as workspace, workspace.sessions() as session:
        assert session.scalars(select(Reply)).all() == []


def test_a_wrong_passphrase_writes_no_reply(team: Team) -> None:
    team.passphrase.write_text("not it\n", encoding="utf-8")
    code, output = team.reply(team.case, "--status", "received")
    assert code == 1 and "passphrase is wrong" in output


# The reply bundle

def test_the_bundle_is_as_documented_and_only_the_reporter_reads_it(
        team: Team, alice: Reviewer) -> None:
    assert team.reply(team.case, "--status", "received")[0] == 0
    assert team.reply(team.case, "--text-file", str(team.text_file(CANARY)))[0] == 0
    code, output, out = team.send("replies-1.tar")
    assert code == 0, output
    manifest, found = _reply_files(out)
    assert [name for name, _ in found[:2]] == ["manifest.json", "manifest.json.sig"]
    parsed = parse_reply_manifest(found[0][1])
    assert set(manifest) == {"format", "version", "bundle_id", "created_day", "signer",
                             "sequence", "replies"}
    assert parsed.sequence == 1 and len(parsed.replies) == 2
    _, line = _invoke("signing-key", "--workspace", str(team.root), "--reviewer", "alice")
    signer = VerifyingKey.parse(line)
    assert parsed.signer == signer.fingerprint()
    signer.verify(found[0][1], found[1][1].decode("ascii"), namespace=REPLIES_NAMESPACE)
    assert [name for name, _ in found[2:]] == [r.file for r in parsed.replies]
    documents = []
    for entry, (_, data) in zip(parsed.replies, found[2:], strict=True):
        assert entry.submission_id == team.case
        assert (entry.size, entry.sha256) == (len(data), hashlib.sha256(data).hexdigest())
        assert data.startswith(b"age-encryption.org/v1\n")
        # No reviewer can read what left: only the reporter's receipt-code key.
        with pytest.raises(keys.NoIdentityMatchError):
            keys.decrypt(data, identities=[alice.identity])
        document = parse_reply_document(keys.decrypt(data, identities=[team.reporter]))
        assert (document["id"], document["submission_id"]) == (entry.id, team.case)
        documents.append(document)
    assert [(d["status"], d["text"]) for d in documents] == [("received", ""), (None, CANARY)]
    assert [d["number"] for d in documents] == [1, 2]
    assert CANARY.encode() not in out.read_bytes()


def test_a_reply_is_numbered_by_its_place_in_its_case_in_the_order_written(
        team: Team, alice: Reviewer) -> None:
    other = encrypted_submission({"narrative": "Another case."}, recipients=[alice.recipient])
    other.reply_recipient = str(keys.HybridIdentity.generate().recipient())
    bundle = BundleWriter([other]).write(team.tmp / "other.tar")
    assert _invoke("import", str(bundle), "--workspace", str(team.root))[0] == 0
    assert team.reply(team.case, "--status", "received")[0] == 0
    assert team.send("first.tar")[0] == 0
    # Replies to another case in between do not count: the place is within the case.
    assert team.reply(other.id, "--status", "received")[0] == 0
    assert team.reply(team.case, "--status", "reading")[0] == 0
    assert team.reply(other.id, "--status", "reading")[0] == 0
    assert team.reply(team.case, "--status", "closed")[0] == 0
    code, output, out = team.send("second.tar")
    assert code == 0, output
    found = reply_bundles.members(out)
    manifest = parse_reply_manifest(found[0][1])
    documents = [parse_reply_document(keys.decrypt(data, identities=[team.reporter]))
                 for entry, (_, data) in zip(manifest.replies, found[2:], strict=True)
                 if entry.submission_id == team.case]
    # Numbered after the reply already sent, whichever bundle carries them.
    assert [(d["number"], d["status"]) for d in documents] == [(2, "reading"), (3, "closed")]


def test_sent_replies_are_not_sent_again_and_the_sequence_grows(team: Team) -> None:
    assert team.reply(team.case, "--status", "received")[0] == 0
    assert team.send("first.tar")[0] == 0
    code, output, second = team.send("second.tar")
    assert code == 1 and "no reply is waiting" in output and not second.exists()
    assert team.reply(team.case, "--status", "closed")[0] == 0
    code, output, third = team.send("third.tar")
    assert code == 0, output
    parsed = parse_reply_manifest(reply_bundles.members(third)[0][1])
    assert parsed.sequence == 2 and len(parsed.replies) == 1
    first = parse_reply_manifest(reply_bundles.members(team.tmp / "first.tar")[0][1])
    assert {r.id for r in first.replies}.isdisjoint(r.id for r in parsed.replies)
    with Workspace.open(team.root) as workspace, workspace.sessions() as session:
        sent = session.scalars(select(AuditEntry).where(AuditEntry.action == "replies")).all()
        assert [json.loads(e.facts)["sequence"] for e in sent] == ["1", "2"]
        assert {r.bundle_id for r in session.scalars(select(Reply))} == {
            first.bundle_id, parsed.bundle_id}


def test_again_writes_a_bundles_replies_in_a_new_bundle_under_their_own_ids(
        team: Team) -> None:
    assert team.reply(team.case, "--status", "received")[0] == 0
    assert team.reply(team.case, "--text-file", str(team.text_file(CANARY)))[0] == 0
    assert team.send("lost.tar")[0] == 0
    lost = parse_reply_manifest(reply_bundles.members(team.tmp / "lost.tar")[0][1])
    assert team.reply(team.case, "--status", "closed")[0] == 0
    assert team.send("later.tar")[0] == 0
    out = team.tmp / "again.tar"
    code, output = team.run("replies", "--out", str(out), "--again", lost.bundle_id)
    assert code == 0 and f"first sent in bundle {lost.bundle_id}" in output, output
    found = reply_bundles.members(out)
    again = parse_reply_manifest(found[0][1])
    # A new bundle and sequence, the same replies (so intake loads them only once),
    # numbered as they were: the reporter reads them in their place.
    assert again.bundle_id != lost.bundle_id and again.sequence == 3
    assert [r.id for r in again.replies] == [r.id for r in lost.replies]
    documents = [parse_reply_document(keys.decrypt(data, identities=[team.reporter]))
                 for _, data in found[2:]]
    assert [(d["number"], d["status"]) for d in documents] == [(1, "received"), (2, None)]
    with Workspace.open(team.root) as workspace, workspace.sessions() as session:
        carried = {r.id: r.bundle_id for r in session.scalars(select(Reply))}
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "replies")
                                .order_by(AuditEntry.seq.desc())).first()
    assert all(carried[r.id] == again.bundle_id for r in lost.replies)
    assert entry is not None and json.loads(entry.facts)["again"] == lost.bundle_id
    # Nothing is left in the bundle now; an unknown bundle is named.
    code, output = team.run("replies", "--out", str(team.tmp / "x.tar"), "--again",
                            lost.bundle_id)
    assert code == 1 and "carries no reply" in output and not (team.tmp / "x.tar").exists()
    code, output = team.run("replies", "--out", str(team.tmp / "y.tar"), "--again", "0" * 32)
    assert code == 1 and "no reply bundle" in output


def test_an_existing_out_is_never_replaced(team: Team) -> None:
    assert team.reply(team.case, "--status", "received")[0] == 0
    out = team.tmp / "taken.tar"
    out.write_bytes(b"someone else's file")
    code, output = team.run("replies", "--out", str(out))
    assert code == 1 and "exists" in output
    assert out.read_bytes() == b"someone else's file"
    assert [p.name for p in team.tmp.iterdir() if p.name.endswith(".partial")] == []
    # Nothing counts as sent: the next bundle carries the reply.
    code, output, fresh = team.send("fresh.tar")
    assert code == 0 and len(parse_reply_manifest(reply_bundles.members(fresh)[0][1]).replies) == 1


def test_reviewer_option_sends_only_that_reviewers_replies(team: Team) -> None:
    assert team.reply(team.case, "--status", "received")[0] == 0
    code, output = team.run("replies", "--out", str(team.tmp / "b.tar"), "--reviewer", "bob")
    assert code == 1 and "no reply is waiting" in output


def test_stock_ssh_keygen_verifies_the_bundle_signature(team: Team) -> None:
    ssh_keygen = require_program("ssh-keygen", "apt-get install -y openssh-client")
    assert team.reply(team.case, "--status", "received")[0] == 0
    code, output, out = team.send("replies.tar")
    assert code == 0, output
    found = reply_bundles.members(out)
    (team.tmp / "manifest.json").write_bytes(found[0][1])
    (team.tmp / "manifest.json.sig").write_bytes(found[1][1])
    _, line = _invoke("signing-key", "--workspace", str(team.root), "--reviewer", "alice")
    key = " ".join(line.split()[:2])
    allowed = team.tmp / "allowed_signers"

    def verify(namespace: str) -> subprocess.CompletedProcess[bytes]:
        allowed.write_text(f'alice@haven namespaces="{namespace}" {key}\n')
        return subprocess.run(
            [ssh_keygen, "-Y", "verify", "-f", str(allowed), "-I", "alice@haven",
             "-n", namespace, "-s", str(team.tmp / "manifest.json.sig")],
            input=found[0][1], capture_output=True, timeout=WAIT_SECONDS)

    accepted = verify(REPLIES_NAMESPACE)
    assert accepted.returncode == 0, accepted.stderr
    # The same signature cannot pass for a pickup manifest.
    assert verify("haven-pickup-v1@haven").returncode != 0


def test_the_documented_examples_are_valid() -> None:
    text = (DOCS / "reply-bundle.md").read_text(encoding="utf-8")
    blocks = [json.loads(b) for b in re.findall(r"```json\n(.*?)```", text, re.DOTALL)]
    manifest, document = blocks
    parsed = parse_reply_manifest(json.dumps(manifest).encode())
    assert parsed.replies[0].id == document["id"]
    assert parse_reply_document(json.dumps(document).encode())["status"] in STATUSES


def test_a_damaged_manifest_is_refused_by_name() -> None:
    with pytest.raises(ReplyError, match="sequence"):
        parse_reply_manifest(json.dumps({"format": "haven-replies", "version": 2,
                                         "sequence": 0}).encode())


def test_objects_store_holds_no_reply(team: Team) -> None:
    """Replies live sealed in the database only; the object store is for pickup ciphertext."""
    before = sorted(p.name for p in (team.root / OBJECTS_DIR).rglob("*"))
    assert team.reply(team.case, "--text-file", str(team.text_file(CANARY)))[0] == 0
    assert sorted(p.name for p in (team.root / OBJECTS_DIR).rglob("*")) == before


def test_review_writes_and_checks_only_numbered_version_2_manifests() -> None:
    manifest = ReplyManifest("0" * 32, "2031-01-02", "SHA256:" + "a" * 43, 1, ())
    assert json.loads(manifest.to_json())["version"] == 2
    old = json.loads(manifest.to_json()) | {"version": 1}
    with pytest.raises(ReplyError, match="unsupported reply bundle version 1"):
        parse_reply_manifest(json.dumps(old).encode())
