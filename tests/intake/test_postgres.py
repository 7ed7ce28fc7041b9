"""The PostgreSQL path, against the real server at 127.0.0.1:5432 (a fresh database per run)."""

from __future__ import annotations

import dataclasses
import json
import tarfile
from datetime import date
from pathlib import Path

import pytest

import keys
from intake import create_app
from intake.config import load_config
from intake.pickup import write_pickup_bundle
from keys.signing import PICKUP_NAMESPACE, SigningKey
from tests.intake import multipart
from tests.intake.costs import FAST_RECEIPT_COST
from tests.intake.datadir import prepare_data_dir
from tests.intake.forms import csrf_token
from tests.intake.storage import engine_of, submissions


@pytest.mark.postgres
def test_submission_and_pickup_on_postgresql(
    tmp_path: Path, reviewer: keys.X25519Identity, database_url: str
) -> None:
    data_dir = prepare_data_dir(tmp_path / "data", [str(reviewer.recipient())], database_url)
    config = load_config(
        {
            "HAVEN_DATA_DIR": str(data_dir),
            "HAVEN_DATABASE_URL": database_url,
            "HAVEN_PLAIN_HTTP": "1",
        }
    )
    app = create_app(dataclasses.replace(config, receipt_cost=FAST_RECEIPT_COST))
    client = app.test_client()
    attachment = bytes(range(256)) * 9000  # a little over two chunks of ciphertext
    body = multipart.body(
        [
            multipart.field("csrf_token", csrf_token(client)),
            multipart.field("narrative", "stored in PostgreSQL"),
            multipart.file_part(b"scan.pdf", attachment, "application/pdf"),
        ]
    )
    response = client.post(
        "/report", data=body, content_type=multipart.CONTENT_TYPE, follow_redirects=True
    )
    assert response.status_code == 200
    engine = engine_of(app)
    assert list(submissions(engine).values()) == ["published"]
    assert not (data_dir / "intake.sqlite3").exists()

    bundle = tmp_path / "bundle.tar"
    signing_key = SigningKey.generate()
    picked = write_pickup_bundle(engine, bundle, today=date(2031, 1, 2), signing_key=signing_key)
    assert picked.submissions == 1
    with tarfile.open(bundle) as tar:
        raw_manifest = tar.extractfile("manifest.json").read()  # type: ignore[union-attr]
        signature = tar.extractfile("manifest.json.sig").read()  # type: ignore[union-attr]
        signing_key.public_key().verify(
            raw_manifest, signature.decode("ascii"), namespace=PICKUP_NAMESPACE
        )
        manifest = json.loads(raw_manifest)
        (entry,) = manifest["submissions"]
        prefix = f"submissions/{entry['id']}/"
        report = tar.extractfile(prefix + "report.age").read()  # type: ignore[union-attr]
        stored = tar.extractfile(prefix + "attachment-001.age").read()  # type: ignore[union-attr]
    assert json.loads(keys.decrypt(report, identities=[reviewer]))["answers"]["narrative"] == (
        "stored in PostgreSQL"
    )
    assert keys.decrypt(stored, identities=[reviewer]) == attachment
    assert list(submissions(engine).values()) == ["picked_up"]
    engine.dispose()
