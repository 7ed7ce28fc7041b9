"""Regressions for the second security review of review/."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

import keys
from keys.armor import ArmorWriter
from review.errors import UnlockError
from review.importer import import_bundle
from review.removal import remove_submission
from review.unlock import identity_file_id, open_identities
from review.vault import ReviewerSession
from review.web.state import EXTENSION_KEY
from review.workspace import Workspace
from tests.review.bundles import BundleWriter, Submission, encrypted_submission
from tests.review.conftest import (
    CHEAP_WORK_FACTOR,
    PASSPHRASE,
    Reviewer,
    csrf_token,
    unlock,
)


def _armor(data: bytes) -> bytes:
    """`data` in age's ASCII armor, as `age -a` writes it."""
    out = io.BytesIO()
    writer = ArmorWriter(out)
    writer.write(data)
    writer.close()
    return out.getvalue()


# --- 1. armored identity files unlock ---------------------------------------------


def test_armored_identity_file_opens_and_keeps_its_throttle_id(alice: Reviewer) -> None:
    binary = alice.identity_file.read_bytes()
    armored = _armor(binary)
    assert armored.startswith(b"-----BEGIN AGE ENCRYPTED FILE-----")
    identities = open_identities(armored, passphrase=PASSPHRASE,
                                 min_work_factor=CHEAP_WORK_FACTOR)
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
    printed = keys.encrypt(text, recipients=[keys.ScryptRecipient(
        PASSPHRASE, work_factor=CHEAP_WORK_FACTOR)], armor=True)
    identities = open_identities(printed, passphrase=PASSPHRASE,
                                 min_work_factor=CHEAP_WORK_FACTOR)
    assert [str(i) for i in identities] == [str(alice.identity)]


def test_web_unlock_with_an_armored_identity_file(app: Flask, client: FlaskClient,
                                                  alice: Reviewer, tmp_path: Path) -> None:
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


def test_removing_a_case_while_serving_forgets_it(app: Flask, client: FlaskClient,
                                                  alice: Reviewer, workspace: Workspace,
                                                  tmp_path: Path) -> None:
    phone = "+33 6 12 34 56 78"
    doomed = encrypted_submission({"narrative": f"zanzibarite called me from {phone}"},
                                  recipients=[alice.recipient])
    kept = encrypted_submission({"narrative": f"they called from {phone} again"},
                                recipients=[alice.recipient])
    damaged = Submission(kept.id[:-1] + ("0" if kept.id[-1] != "0" else "1"), "2025-03-14",
                         [("report.age", "report",
                           keys.encrypt(b"not json", recipients=[alice.recipient]))])
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
