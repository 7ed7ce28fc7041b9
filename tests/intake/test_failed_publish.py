"""A submission that fails while being published leaves nothing behind, files or not."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from flask.testing import FlaskClient

from intake.staging import StagedSubmission
from tests.intake.forms import MULTIPART, csrf_token
from tests.intake.storage import engine_of, submissions


class PublishFailed(Exception):
    """Stands for anything that can go wrong at the final commit (a full disk, a lost database)."""


@pytest.mark.parametrize("with_file", [False, True], ids=["report-only", "with-attachment"])
def test_a_failed_publish_leaves_nothing(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch, with_file: bool
) -> None:
    def fail(self: StagedSubmission, **_: object) -> None:
        raise PublishFailed

    monkeypatch.setattr(StagedSubmission, "publish", fail)
    app.config["PROPAGATE_EXCEPTIONS"] = True
    data: dict[str, object] = {"csrf_token": csrf_token(client), "narrative": "what happened"}
    if with_file:
        data["attachments"] = [(io.BytesIO(b"evidence"), "photo.jpg", "image/jpeg")]
    with pytest.raises(PublishFailed):
        client.post("/report", content_type=MULTIPART, data=data, follow_redirects=True)
    engine = engine_of(app)
    assert submissions(engine) == {}
    with engine.connect() as connection:
        for table in ("stored_files", "chunks"):
            count = connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()
            assert count == 0, table
