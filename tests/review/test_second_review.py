"""Regressions for the second security review of review/."""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import re
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

import keys
from keys.signing import SigningKey
from review.casefile.identifiers import Identifier, extract
from review.casefile.report_reader import Report
from review.cli import review_group
from review.errors import BundleError, UnlockError, WorkspaceError
from review.pickup.importer import import_bundle
from review.pickup.manifest import parse_manifest
from review.pickup.removal import remove_submission
from review.session.unlock import (
    ATTEMPT_LEASE_SECONDS,
    MAX_THROTTLED_FILES,
    Throttle,
    identity_file_id,
    open_identities,
)
from review.session.vault import ReviewerSession
from review.web.state import EXTENSION_KEY
from review.workspace import audit, upgrade
from review.workspace.models import AuditEntry, IntakeKey, Triage
from review.workspace.models import Bundle as BundleRow
from review.workspace.models import Submission as SubmissionRow
from review.workspace.store import DATABASE_NAME, Workspace
from review.workspace.upgrade import SCHEMA_VERSION
from tests.keys.craft import armor as _armor
from tests.review.bundles import INTAKE_KEY, BundleWriter, Submission, encrypted_submission
from tests.review.forms import csrf_token, unlock
from tests.review.reviewers import CHEAP_WORK_FACTOR, PASSPHRASE, Reviewer
from tests.support import WAIT_SECONDS

# --- 1. armored identity files unlock ---------------------------------------------


def test_armored_identity_file_opens_and_keeps_its_throttle_id(alice: Reviewer) -> None:
    binary = alice.identity_file.read_bytes()
    armored = _armor(binary)
    assert armored.startswith(b"-----BEGIN AGE ENCRYPTED FILE-----")
    identities = open_identities(armored, passphrase=PASSPHRASE, min_work_factor=CHEAP_WORK_FACTOR)
    assert [str(i) for i in identities] == [str(alice.identity)]
    # The throttle counts the same encrypted identity however it is encoded.
    assert identity_file_id(armored) == identity_file_id(binary)
    assert identity_file_id(armored).startswith("salt:")


def test_armored_identity_file_still_meets_the_work_factor(alice: Reviewer) -> None:
    armored = _armor(alice.identity_file.read_bytes())
    with pytest.raises(UnlockError):
        open_identities(armored, passphrase=PASSPHRASE, min_work_factor=CHEAP_WORK_FACTOR + 1)


def test_keys_generate_armored_output_unlocks(alice: Reviewer) -> None:
    # What `haven keys generate --passphrase` prints without -o: armored, encrypted.
    text = keys.format_identity_file([alice.identity], day=datetime.date(2026, 1, 1)).encode()
    printed = keys.encrypt(
        text,
        recipients=[keys.ScryptRecipient(PASSPHRASE, work_factor=CHEAP_WORK_FACTOR)],
        armor=True,
    )
    identities = open_identities(printed, passphrase=PASSPHRASE, min_work_factor=CHEAP_WORK_FACTOR)
    assert [str(i) for i in identities] == [str(alice.identity)]


def test_web_unlock_with_an_armored_identity_file(
    app: Flask, client: FlaskClient, alice: Reviewer, tmp_path: Path
) -> None:
    armored = tmp_path / "alice.armored.age"
    armored.write_bytes(_armor(alice.identity_file.read_bytes()))
    data = {
        "csrf_token": csrf_token(client),
        "passphrase": PASSPHRASE,
        "identity": (io.BytesIO(armored.read_bytes()), "key.age"),
    }
    response = client.post("/unlock", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert client.get("/").status_code == 200


# --- 2. `haven review remove` while `serve` runs ------------------------------------


def _import(workspace: Workspace, tmp_path: Path, *submissions: Submission) -> None:
    bundle = BundleWriter(list(submissions)).write(tmp_path / f"{submissions[0].id}.tar")
    import_bundle(workspace, bundle, actor="test")


def _only_session(app: Flask) -> ReviewerSession:
    sessions = list(app.extensions[EXTENSION_KEY].vault._sessions.values())
    assert len(sessions) == 1
    return sessions[0]


def test_removing_a_case_while_serving_forgets_it(
    app: Flask, client: FlaskClient, alice: Reviewer, workspace: Workspace, tmp_path: Path
) -> None:
    phone = "+33 6 12 34 56 78"
    doomed = encrypted_submission(
        {"narrative": f"zanzibarite called me from {phone}"}, recipients=[alice.recipient]
    )
    kept = encrypted_submission(
        {"narrative": f"they called from {phone} again"}, recipients=[alice.recipient]
    )
    damaged = Submission(
        kept.id[:-1] + ("0" if kept.id[-1] != "0" else "1"),
        "2025-03-14",
        [("report.age", "report", keys.encrypt(b"not json", recipients=[alice.recipient]))],
    )
    _import(workspace, tmp_path, doomed, kept, damaged)
    assert unlock(client, alice) == 302
    assert client.get("/").status_code == 200
    library = _only_session(app).library
    assert doomed.id in library.reports and library.damaged == [damaged.id]
    assert library.search.search("zanzibarite") == [doomed.id]
    assert [others for _, others in library.related.related(kept.id)] == [[doomed.id]]

    # What `haven review remove` does from another process while the app serves.
    remove_submission(workspace, doomed.id, actor="alice")
    remove_submission(workspace, damaged.id, actor="alice")

    inbox = client.get("/")
    assert inbox.status_code == 200
    assert doomed.id not in inbox.get_data(as_text=True)
    assert damaged.id not in inbox.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 200
    assert client.get(f"/case/{doomed.id}").status_code == 404
    page = client.get(f"/case/{kept.id}")
    assert page.status_code == 200 and doomed.id not in page.get_data(as_text=True)

    # Its decrypted report and every index entry are gone from memory.
    library = _only_session(app).library
    assert set(library.reports) == {kept.id}
    assert library.damaged == []
    assert library.search.search("zanzibarite") == []
    assert library.search.search("again") == [kept.id]
    assert doomed.id not in library.related.by_case
    assert all(doomed.id not in ids for ids in library.related.by_identifier.values())
    assert all(others == [] for _, others in library.related.related(kept.id))


# --- 4. labelled identifiers in CRLF text ---------------------------------------


def _report(answers: dict[str, Any]) -> Report:
    return Report(id="c", received_day="2025-01-01", language="en", urgent=False, answers=answers)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_every_labelled_line_is_found_whatever_the_line_ends(newline: str) -> None:
    # Browsers submit <textarea> values with CRLF line breaks.
    text = newline.join(
        [
            "The car was parked outside.",
            "plate: AB-123-CD",
            "address: 5 Rue Exemple, Lyon",
            "车牌：京A·12345",
            "They left.",
        ]
    )
    found = extract(_report({"narrative": text}))
    assert {i for i in found if i.kind in {"plate", "address"}} == {
        Identifier("plate", "AB123CD"),
        Identifier("plate", "京A12345"),
        Identifier("address", "5 rue exemple lyon"),
    }


def test_a_label_with_nothing_after_it_still_does_not_take_the_next_line() -> None:
    found = extract(_report({"narrative": "plate:\r\nsomething else entirely\r\n"}))
    assert not {i for i in found if i.kind == "plate"}


# --- 9. ASCII digits and letters where ASCII is meant ----------------------------


def _manifest_with_attachment(name: str, alice: Reviewer) -> bytes:
    submission = encrypted_submission(
        {"n": "x"}, recipients=[alice.recipient], attachments=[("a.jpg", "image/jpeg", b"\xff\xd8")]
    )
    manifest = BundleWriter([submission]).manifest()
    manifest["submissions"][0]["files"][1]["name"] = name
    return json.dumps(manifest, ensure_ascii=False).encode()


@pytest.mark.parametrize(
    "name",
    ["attachment-١٢٣.age", "attachment-０１２.age", "attachment-۱۲۳.age", "attachment-१२३.age"],
)
def test_attachment_names_take_ascii_digits_only(name: str, alice: Reviewer) -> None:
    parse_manifest(_manifest_with_attachment("attachment-123.age", alice))
    with pytest.raises(BundleError, match="bad file name"):
        parse_manifest(_manifest_with_attachment(name, alice))


@pytest.mark.parametrize(
    "text",
    [
        "Telegram: @\u017fomething_x",  # ſ (long s) folds to s under IGNORECASE
        "t.me/\u212aelvin_user",  # the Kelvin sign folds to k
        "WeChat ID: \u212aabcdefg",
        "微信号：\u017fabcdefg",
        "contact wxid_\u017f\u212aabcdef12",
    ],
)
def test_handles_are_ascii_letters_only(text: str) -> None:
    found = extract(_report({"narrative": text}))
    assert not {i for i in found if i.kind in {"telegram", "wechat"}}, found
    assert all(i.value.isascii() for i in found if i.kind != "address")


def test_urls_are_ascii_only() -> None:
    found = extract(_report({"narrative": "httpſ://example.com/x and https://ok.example/y"}))
    assert {i.value for i in found if i.kind == "url"} == {"ok.example/y"}


def test_cyrillic_label_still_matches_in_any_case() -> None:
    found = extract(_report({"narrative": "ТЕЛЕГРАМ: @valid_user"}))
    assert Identifier("telegram", "valid_user") in found


def test_bulk_priority_takes_ascii_digits_only(
    client: FlaskClient, alice: Reviewer, workspace: Workspace, tmp_path: Path
) -> None:
    case = encrypted_submission({"n": "x"}, recipients=[alice.recipient])
    _import(workspace, tmp_path, case)
    assert unlock(client, alice) == 302
    for value, expected in (("١", 0), ("1", 1)):
        response = client.post(
            "/bulk",
            data={
                "csrf_token": csrf_token(client, "/"),
                "case": case.id,
                "action": "priority",
                "priority": value,
            },
        )
        assert response.status_code == 302
        with workspace.sessions() as db:
            row = db.get(Triage, case.id)
            assert row is not None and row.priority == expected


# --- 7. the unlock throttle: no reset by junk files, one attempt at a time --------


def test_junk_files_cannot_reset_a_guessed_files_wait_once_it_has_run_out() -> None:
    now = [0.0]
    throttle = Throttle(base=1.0, cap=30.0, clock=lambda: now[0])
    for _ in range(6):  # the guesser fails on the target up to the cap
        now[0] += throttle.retry_after("target")
        throttle.failed("target")
    assert throttle.retry_after("target") == 30
    now[0] += 30  # the guesser waits the cap out, then floods with junk files
    for number in range(MAX_THROTTLED_FILES * 2):
        assert throttle.begin(f"junk-{number}") == 0
        throttle.failed(f"junk-{number}")
    assert throttle.failed("target") == 30.0


def test_begin_reserves_the_one_attempt_of_a_file() -> None:
    now = [0.0]
    # Even with no delay at all, a second attempt cannot start while one runs.
    throttle = Throttle(base=0.0, cap=30.0, clock=lambda: now[0])
    assert throttle.begin("file") == 0
    assert throttle.begin("file") >= 1
    assert throttle.begin("other file") == 0
    throttle.failed("file")
    assert throttle.begin("file") == 0
    throttle.succeeded("file")
    assert throttle.begin("file") == 0
    # A request that died without an outcome holds the file only for the lease.
    now[0] += ATTEMPT_LEASE_SECONDS
    assert throttle.begin("file") == 0


def test_an_attempt_in_progress_survives_a_flood() -> None:
    throttle = Throttle(base=1.0, cap=30.0, clock=lambda: 0.0)
    assert throttle.begin("target") == 0
    for number in range(MAX_THROTTLED_FILES * 2):
        throttle.failed(f"junk-{number}")
    assert throttle.begin("target") >= 1


def test_concurrent_unlocks_with_one_file_run_one_scrypt_attempt(
    app: Flask, alice: Reviewer, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    import review.web.auth

    entered, release = threading.Event(), threading.Event()
    real_open = review.web.auth.open_identities

    def slow_open(*args: Any, **kwargs: Any) -> list[keys.Identity]:
        entered.set()
        assert release.wait(WAIT_SECONDS)
        return real_open(*args, **kwargs)

    monkeypatch.setattr(review.web.auth, "open_identities", slow_open)
    statuses: list[int] = []
    first_client = app.test_client()
    first_form = {
        "csrf_token": csrf_token(first_client),
        "passphrase": "wrong",
        "identity": (io.BytesIO(alice.identity_file.read_bytes()), "key.age"),
    }
    first = threading.Thread(
        target=lambda: statuses.append(
            first_client.post(
                "/unlock", data=first_form, content_type="multipart/form-data"
            ).status_code
        )
    )
    first.start()
    try:
        assert entered.wait(WAIT_SECONDS)
        # While the first attempt runs scrypt, the same file is refused at once.
        second = app.test_client()
        form = {
            "csrf_token": csrf_token(second),
            "passphrase": PASSPHRASE,
            "identity": (io.BytesIO(alice.identity_file.read_bytes()), "key.age"),
        }
        refused = second.post("/unlock", data=form, content_type="multipart/form-data")
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    finally:
        release.set()
        first.join(WAIT_SECONDS)
    assert statuses == [401]
    with workspace.sessions() as db:
        actions = [e.action for e in db.scalars(select(AuditEntry))]
    assert actions.count("unlock-failed") == 1


# --- 10. removal deletes objects under the import lock ---------------------------


def test_remove_unlinks_objects_while_holding_the_import_lock(
    workspace: Workspace, alice: Reviewer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = encrypted_submission(
        {"n": "x"},
        recipients=[alice.recipient],
        attachments=[("a.jpg", "image/jpeg", b"\xff\xd8\xff")],
    )
    _import(workspace, tmp_path, case)
    objects = {workspace.object_path(hashlib.sha256(data).hexdigest()) for _, _, data in case.files}
    assert all(path.exists() for path in objects)
    held: dict[Path, bool] = {}
    real_unlink = Path.unlink

    def unlink(path: Path, missing_ok: bool = False) -> None:
        if path in objects:
            # An import started now must find the lock taken.
            try:
                with workspace.import_lock():
                    held[path] = False
            except WorkspaceError:
                held[path] = True
        real_unlink(path, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", unlink)
    assert remove_submission(workspace, case.id, actor="alice") == 2
    assert held == dict.fromkeys(objects, True)
    assert not any(path.exists() for path in objects)


# --- 3. intake key rotation: list, distrust, the signer of every bundle ------------


def _cli(*args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(review_group, list(args), input=input)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_rotation_lists_distrusts_and_keeps_the_signer_of_each_bundle(
    workspace: Workspace, alice: Reviewer, tmp_path: Path
) -> None:
    root = str(workspace.root)
    old_fp = INTAKE_KEY.public_key().fingerprint()
    old_case = encrypted_submission({"n": "old"}, recipients=[alice.recipient])
    _import(workspace, tmp_path, old_case)
    rotated = SigningKey.generate()
    new_fp = rotated.public_key().fingerprint()
    code, output = _cli("trust-intake", "--workspace", root, str(rotated.public_key()))
    assert code == 0, output
    new_cases = [
        encrypted_submission({"n": f"new {i}"}, recipients=[alice.recipient]) for i in range(2)
    ]
    bundle = BundleWriter(new_cases, signing_key=rotated).write(tmp_path / "new.tar")
    assert import_bundle(workspace, bundle, actor="t").added == 2

    with workspace.sessions() as db:
        assert {b.id: b.signer for b in db.scalars(select(BundleRow))} == {
            db.get(SubmissionRow, old_case.id).bundle_id: old_fp,  # type: ignore[union-attr]
            db.get(SubmissionRow, new_cases[0].id).bundle_id: new_fp,  # type: ignore[union-attr]
        }
        pinned_at = db.scalars(
            select(IntakeKey.pinned_at).where(IntakeKey.fingerprint == new_fp)
        ).one()
        assert pinned_at and pinned_at.startswith(str(datetime.date.today().year))

    code, output = _cli("intake-keys", "--workspace", root)
    assert code == 0, output
    assert re.search(f"pinned +{re.escape(old_fp)}  since [0-9T:+-]+  1 bundle, 1 case", output)
    assert f"{new_fp}  since {pinned_at}  1 bundle, 2 cases" in output
    assert str(rotated.public_key()) in output
    code, output = _cli("intake-keys", "--workspace", root, "--cases", new_fp)
    assert code == 0 and sorted(line.split()[0] for line in output.splitlines()) == sorted(
        c.id for c in new_cases
    )

    # Distrusting asks first, and refuses an unknown fingerprint.
    code, _ = _cli("distrust-intake", "--workspace", root, old_fp, input="n\n")
    assert code != 0
    code, output = _cli("distrust-intake", "--workspace", root, "SHA256:nope", "--yes")
    assert code != 0 and "no pinned intake key" in output
    assert [k.fingerprint() for k in workspace.intake_keys()] != [new_fp]

    code, output = _cli("distrust-intake", "--workspace", root, old_fp, "--yes")
    assert code == 0 and "1 bundle, 1 case" in output, output
    assert [k.fingerprint() for k in workspace.intake_keys()] == [new_fp]
    stale = encrypted_submission({"n": "late"}, recipients=[alice.recipient])
    with pytest.raises(BundleError, match="not made by a pinned intake key"):
        _import(workspace, tmp_path, stale)
    # Its cases stay, still listed under it.
    code, output = _cli("intake-keys", "--workspace", root)
    assert f"not pinned  {old_fp}  1 bundle, 1 case" in output
    code, output = _cli("intake-keys", "--workspace", root, "--cases", old_fp)
    assert output.split()[0] == old_case.id

    # The last key may go too (a stolen key must), by its key line; imports then all fail.
    code, output = _cli(
        "distrust-intake", "--workspace", root, str(rotated.public_key()) + " comment", "--yes"
    )
    assert code == 0 and "every import is refused" in output, output
    assert workspace.intake_keys() == []
    code, output = _cli("intake-keys", "--workspace", root)
    assert "No intake key is pinned" in output
    with workspace.sessions() as db:
        entries = list(
            db.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "distrust-intake")
                .order_by(AuditEntry.seq)
            )
        )
    assert [e.detail.split()[0] for e in entries] == [old_fp, new_fp]
    assert audit_verify_ok(workspace)


def audit_verify_ok(workspace: Workspace) -> bool:
    code, output = _cli("audit", "verify", "--workspace", str(workspace.root))
    return code == 0 and "intact" in output


def test_a_schema_2_workspace_gets_signers_and_pin_times_from_its_audit_log(
    tmp_path: Path, alice: Reviewer
) -> None:
    root = tmp_path / "ws"
    code, output = _cli(
        "init", "--workspace", str(root), "--intake-key", str(INTAKE_KEY.public_key())
    )
    assert code == 0, output
    case = encrypted_submission({"n": "x"}, recipients=[alice.recipient])
    bundle = BundleWriter([case]).write(tmp_path / "b.tar")
    code, output = _cli("import", str(bundle), "--workspace", str(root))
    assert code == 0, output
    # Back to what schema 2 had: no signer, no pin time, no audit facts (the
    # signer named only in the import entry's words).
    with sqlite3.connect(root / DATABASE_NAME) as db:
        db.execute("ALTER TABLE bundles DROP COLUMN signer")
        db.execute("ALTER TABLE intake_keys DROP COLUMN pinned_at")
        db.execute("ALTER TABLE audit DROP COLUMN facts")
        db.execute("PRAGMA user_version=2")
        pin_time = db.execute("SELECT at FROM audit WHERE action='trust-intake'").fetchone()[0]
    db.close()
    upgraded = Workspace.open(root)
    try:
        with upgraded.sessions() as session:
            assert [b.signer for b in session.scalars(select(BundleRow))] == [
                INTAKE_KEY.public_key().fingerprint()
            ]
            assert [k.pinned_at for k in session.scalars(select(IntakeKey))] == [pin_time]
        with upgraded.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA user_version").scalar() == SCHEMA_VERSION
    finally:
        upgraded.dispose()
    # Opening again changes nothing; the upgrade is not redone.
    Workspace.open(root).dispose()


def test_import_and_pin_entries_record_their_keys_as_facts_the_chain_covers(
    tmp_path: Path, alice: Reviewer
) -> None:
    """What a later upgrade reads back is data in the entry, not its wording."""
    root = tmp_path / "ws"
    assert _cli("init", "--workspace", str(root),
                "--intake-key", str(INTAKE_KEY.public_key()))[0] == 0
    case = encrypted_submission({"n": "x"}, recipients=[alice.recipient])
    bundle = BundleWriter([case]).write(tmp_path / "b.tar")
    assert _cli("import", str(bundle), "--workspace", str(root))[0] == 0
    fingerprint = INTAKE_KEY.public_key().fingerprint()
    with Workspace.open(root) as workspace, workspace.sessions() as session:
        entries = {e.action: e for e in session.scalars(select(AuditEntry))}
        assert audit.facts_of(entries["import"]) == {"signer": fingerprint}
        assert audit.facts_of(entries["trust-intake"]) == {"fingerprint": fingerprint}
        assert upgrade.bundle_signer(entries["import"]) == fingerprint
    # Editing a fact breaks the chain at that entry.
    with sqlite3.connect(root / DATABASE_NAME) as db:
        db.execute("UPDATE audit SET facts = ? WHERE action = 'import'",
                   ('{"signer":"SHA256:forged"}',))
    db.close()
    code, output = _cli("audit", "verify", "--workspace", str(root))
    assert code == 1 and "edited" in output, output
