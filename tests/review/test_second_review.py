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
from review.unlock import identity_file_id, open_identities
from tests.review.conftest import CHEAP_WORK_FACTOR, PASSPHRASE, Reviewer, csrf_token


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
