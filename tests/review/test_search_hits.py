"""Search results say where the term matched: the answer's label and an excerpt, marked."""

from __future__ import annotations

import re
from pathlib import Path

from flask.testing import FlaskClient

from review.casefile.matches import hits
from review.casefile.related import RelatedIndex
from review.casefile.report_reader import Report
from review.pickup.importer import import_bundle
from review.workspace.store import Workspace
from tests.review.bundles import BundleWriter, encrypted_submission
from tests.review.forms import csrf_token, unlock
from tests.review.reviewers import Reviewer


def _search(client: FlaskClient, query: str) -> str:
    response = client.post("/view", data={"csrf_token": csrf_token(client, "/"), "q": query})
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_results_show_the_answer_and_the_match(
    client: FlaskClient, workspace: Workspace, alice: Reviewer, tmp_path: Path
) -> None:
    made = [
        encrypted_submission({"narrative": "A man THREATENED my family in Lyon.",
                              "city": "<b>Lyon</b><script>alert(1)</script>"},
                             recipients=[alice.recipient]),
        encrypted_submission({"identifiers": "他用07911 123456打电话", "country": "英国"},
                             recipients=[alice.recipient], language="zh-Hans"),
    ]
    import_bundle(workspace, BundleWriter(made).write(tmp_path / "b.tar"), actor="t")
    assert unlock(client, alice) == 302
    page = _search(client, "threatened")
    assert re.search(r"Found in What happened:</span> <span lang=\"en\" dir=\"auto\">"
                     r"<bdi[^>]*>A man </bdi><mark><bdi[^>]*>THREATENED</bdi></mark>", page)
    page = _search(client, "lyon")
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert "Found in City or area:" in page
    # An identifier in another spelling: the reporter's own spelling is marked.
    page = _search(client, "+44 7911 123456")
    assert re.search(r"Found in People involved:.*<mark><bdi[^>]*>07911 123456</bdi></mark>",
                     page)


def test_a_match_is_shown_in_the_reporters_spelling() -> None:
    report = Report(id="a", received_day="2025-01-01", language="ar", urgent=False,
                    answers={"narrative": "هَدَّدُوا عائلتي في ﺍﻟﻤﺪﻳﻨﺔ"})
    found = hits(report, "المدينة", RelatedIndex.build([report]))
    assert [(h.field, h.match) for h in found] == [("narrative", "ﺍﻟﻤﺪﻳﻨﺔ")]
