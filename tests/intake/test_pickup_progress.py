"""`haven intake pickup` reports its progress: bytes written against the bundle's total, on
standard error and only on a terminal, so its standard output stays the result lines."""

from __future__ import annotations

import tarfile
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from contracts.pickup import MANIFEST_NAME, SIGNATURE_NAME
from haven.cli import main
from intake.pickup import write_pickup_bundle
from keys.signing import SigningKey
from tests.intake.forms import MULTIPART, csrf_token
from tests.intake.storage import engine_of

DAY = date(2031, 5, 17)
PICKUP_KEY = SigningKey.generate()


def report(client: FlaskClient, *, danger: str) -> None:
    """Send one report through the form, as a reporter would."""
    data = {"csrf_token": csrf_token(client), "narrative": "x", "danger_now": danger}
    assert client.post("/report", content_type=MULTIPART, data=data).status_code == 303


def _member_bytes(bundle: Path) -> int:
    with tarfile.open(bundle) as tar:
        return sum(m.size for m in tar.getmembers()
                   if m.name not in (MANIFEST_NAME, SIGNATURE_NAME))


def test_progress_runs_from_zero_to_the_total_of_the_submissions_ciphertext(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    for _ in range(3):
        report(client, danger="no")
    seen: list[tuple[int, int]] = []
    bundle = tmp_path / "b.tar"
    picked = write_pickup_bundle(engine_of(app), bundle, today=DAY, signing_key=PICKUP_KEY,
                                 progress=lambda done, total: seen.append((done, total)))
    assert picked.submissions == 3
    total = _member_bytes(bundle)
    assert total > 0
    assert seen[0] == (0, total) and seen[-1] == (total, total)
    assert {t for _, t in seen} == {total}
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_off_a_terminal_pickup_prints_only_its_result_lines(
    app: Flask, client: FlaskClient, data_dir: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("HAVEN_DATABASE_URL", raising=False)
    report(client, danger="no")
    out = tmp_path / "bundle.tar"
    result = CliRunner().invoke(main, ["intake", "pickup", "--data-dir", str(data_dir),
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == f"Wrote 1 submission to {out}, 0 of them urgent (first in the bundle)."
    assert lines[1].startswith("Signed by SHA256:") and len(lines) == 2
