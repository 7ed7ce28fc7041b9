"""bench/floor_server.py: the load harness's floor writes pages the size of intake's own.

The floor is intake's serving frame with no app work; its throughput bounds
intake's only if a visit moves as many bytes through the frame, so its two
pages are held to the sizes of intake's English form and receipt page.
"""

from __future__ import annotations

import sys
from pathlib import Path

from flask import Flask

from tests.intake.forms import MULTIPART, csrf_token, redirected_once

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import floor_server

# The pages vary a little with their code, token and seal.
TOLERANCE = 0.1


def test_the_floor_pages_are_the_size_of_intakes(app: Flask) -> None:
    client = app.test_client()
    form = client.get("/report").get_data()
    sent = client.post(
        "/report", content_type=MULTIPART, follow_redirects=True,
        data={"csrf_token": csrf_token(client), "narrative": "a report"},
    )  # fmt: skip
    receipt = redirected_once(sent).get_data()
    for ours, intakes in ((floor_server.FORM_PAGE_BYTES, len(form)),
                          (floor_server.RECEIPT_PAGE_BYTES, len(receipt))):  # fmt: skip
        assert abs(ours - intakes) <= TOLERANCE * intakes, (ours, intakes)
