"""The whole loop the demo shows: report, pickup, import, unlock, triage, reply, check back,
follow-up, pickup again, evidence export and its verification, audit.

intake/ and review/ never import each other; this test drives both, the way an
operator and a reviewer would, through the files that pass between them.
"""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

import keys
from haven.cli import main
from haven.demo import DEMO_PASSPHRASE, IDENTITY_FILE, PASSPHRASE_FILE
from intake import create_app as create_intake_app
from intake.config import load_config as load_intake_config
from review.config import ReviewConfig
from review.web.app import create_app as create_review_app
from tests.intake.checkback import capability_of, check_back
from tests.support import WAIT_SECONDS, require_program

CANARY = "CANARY-whole-loop-4f1c: a grey van outside the Belleville association"
REPLY_CANARY = "REPLYCANARY-7e2a: please bring the photos to the association on Tuesday"
FOLLOW_UP_CANARY = "FOLLOWUPCANARY-93bd: they called my mother in Kashgar again"


def _csrf(client: FlaskClient, path: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(path).get_data(True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def _haven(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _demo_with_one_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`haven demo --setup-only`, one report submitted through the form, then picked up.

    The receipt code shown to the reporter is kept in haven-demo/receipt-code for
    the check-back steps (the reporter would have written it down).
    """
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HAVEN_DATABASE_URL", raising=False)
    _haven("demo", "--setup-only")
    demo = tmp_path / "haven-demo"
    intake = create_intake_app(
        load_intake_config({"HAVEN_DATA_DIR": str(demo / "data"), "HAVEN_PLAIN_HTTP": "1"})
    )
    reporter = intake.test_client()
    response = reporter.post(
        "/report",
        content_type="multipart/form-data",
        data={
            "csrf_token": _csrf(reporter, "/report"),
            "narrative": CANARY,
            "categories": ["surveillance"],
            "country": "FR",
            "attachments": [(io.BytesIO(b"%PDF-1.4 evidence"), "letter.pdf", "application/pdf")],
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    code = re.search(r'<p class="receipt-code"[^>]*>([^<]+)</p>', response.get_data(as_text=True))
    assert code, "the receipt page shows no code"
    (tmp_path / "receipt-code").write_text(code.group(1))
    intake.extensions["haven_intake"].engine.dispose()
    assert CANARY.encode() not in b"".join(
        path.read_bytes() for path in (demo / "data").rglob("*") if path.is_file()
    )
    _haven("intake", "pickup", "--data-dir", str(demo / "data"), "--out", str(demo / "bundle.tar"))
    return demo


def test_report_travels_from_intake_to_triage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 1. A reporter submits through the intake form; 2. the operator picks it up.
    demo = _demo_with_one_report(tmp_path, monkeypatch)
    bundle = demo / "bundle.tar"

    # 3. The reviewer imports the bundle offline.
    _haven("review", "import", str(bundle), "--workspace", str(demo / "review"))

    # 4. The reviewer unlocks with the passphrase-protected demo key and triages.
    review = create_review_app(
        ReviewConfig(workspace=demo / "review", idle_seconds=600, unlock_delay_seconds=0.0)
    )
    reviewer = review.test_client()
    # A current browser on the review app's own pages says so with every request.
    reviewer.environ_base["HTTP_SEC_FETCH_SITE"] = "same-origin"
    unlocked = reviewer.post(
        "/unlock",
        content_type="multipart/form-data",
        data={
            "csrf_token": _csrf(reviewer, "/unlock"),
            "passphrase": DEMO_PASSPHRASE,
            "identity": (io.BytesIO((demo / IDENTITY_FILE).read_bytes()), "key.age"),
        },
    )
    assert unlocked.status_code in (302, 303)
    inbox = reviewer.get("/").get_data(as_text=True)
    (case_id,) = set(re.findall(r'href="/case/([0-9a-f]{32})"', inbox))
    case = reviewer.get(f"/case/{case_id}").get_data(as_text=True)
    assert "a grey van outside the Belleville association" in case
    # Searches are POSTed (their terms never reach a URL or the browser's history).
    hits = reviewer.post(
        "/view", data={"csrf_token": _csrf(reviewer, "/"), "q": "Belleville"}, follow_redirects=True
    ).get_data(as_text=True)
    assert f"/case/{case_id}" in hits
    misses = reviewer.post(
        "/view",
        data={"csrf_token": _csrf(reviewer, "/"), "q": "Montparnasse"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert f"/case/{case_id}" not in misses

    # 5. The import and every decryption for viewing are in an intact audit chain.
    _haven("review", "audit", "verify", "--workspace", str(demo / "review"))


def test_picked_up_report_opens_with_the_stock_age_tool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the demo's last step promises: the bundle opens with stock tools alone."""
    age = require_program("age", "apt-get install -y age")
    demo = _demo_with_one_report(tmp_path, monkeypatch)
    bundle = demo / "bundle.tar"
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    subprocess.run(
        ["tar", "-xf", str(bundle), "-C", str(unpacked)], check=True, timeout=WAIT_SECONDS
    )
    (report,) = unpacked.glob("submissions/*/report.age")
    # The stock tool asks for the identity file's passphrase on a terminal only;
    # decrypt the identity with Haven, then hand the plain key to `age`.
    plain_key = tmp_path / "key.txt"
    identities = keys.read_identity_file(demo / IDENTITY_FILE, passphrase=lambda: DEMO_PASSPHRASE)
    plain_key.write_text(str(identities[0]) + "\n")
    opened = subprocess.run(
        [age, "-d", "-i", str(plain_key), str(report)],
        capture_output=True,
        check=True,
        timeout=WAIT_SECONDS,
    )
    assert CANARY.encode() in opened.stdout


def _unlock_options(demo: Path) -> list[str]:
    return ["--workspace", str(demo / "review"), "--identity", str(demo / IDENTITY_FILE),
            "--passphrase-file", str(demo / PASSPHRASE_FILE)]


def _everything_under(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.rglob("*") if p.is_file())


def test_a_reply_reaches_the_reporter_and_their_follow_up_joins_the_case(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reply from the offline side, check back with the code, add more, pick up again."""
    demo = _demo_with_one_report(tmp_path, monkeypatch)
    code = (tmp_path / "receipt-code").read_text()
    _haven("review", "import", str(demo / "bundle.tar"), "--workspace", str(demo / "review"))

    # The reviewer finds the case and answers it, from the command line.
    listed = _haven("review", "cases", *_unlock_options(demo))
    (case_id,) = set(re.findall(r"\b[0-9a-f]{32}\b", listed))
    text_file = tmp_path / "reply.txt"
    text_file.write_text(REPLY_CANARY)
    _haven("review", "reply", case_id, "--status", "reading", "--text-file", str(text_file),
           *_unlock_options(demo))
    text_file.unlink()
    _haven("review", "replies", "--out", str(demo / "replies.tar"), *_unlock_options(demo))
    assert REPLY_CANARY.encode() not in (demo / "replies.tar").read_bytes()

    # The operator loads the signed bundle on intake (the demo trusts the reviewer's key).
    loaded = _haven("intake", "load-replies", "--data-dir", str(demo / "data"),
                    str(demo / "replies.tar"))
    assert "Loaded 1 reply" in loaded
    intake = create_intake_app(
        load_intake_config({"HAVEN_DATA_DIR": str(demo / "data"), "HAVEN_PLAIN_HTTP": "1"})
    )
    reporter = intake.test_client()

    # The reporter checks back with the code: the reply, in their language, and the status.
    results = check_back(reporter, code)
    page = results.get_data(as_text=True)
    assert results.status_code == 200
    assert REPLY_CANARY in page and "We are reading your report." in page
    # ...and adds a message, a file and a change of consent to the same case.
    sent = reporter.post(
        "/check/follow-up",
        content_type="multipart/form-data",
        data={
            "csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1),
            "capability": capability_of(results),
            "message": FOLLOW_UP_CANARY,
            "change_consent": "y",
            "consent": ["ngos", "lawyers"],
            "attachments": [(io.BytesIO(b"%PDF-1.4 call log"), "calls.pdf", "application/pdf")],
        },
        follow_redirects=True,
    )
    # Answered 303 (no POST history entry keeps the message), then "Added to your report".
    assert [step.status_code for step in sent.history] == [303]
    assert sent.status_code == 200, sent.get_data(as_text=True)
    assert "Added to your report" in sent.get_data(as_text=True)
    intake.extensions["haven_intake"].engine.dispose()
    stored = _everything_under(demo / "data")
    for canary in (CANARY, REPLY_CANARY, FOLLOW_UP_CANARY):
        assert canary.encode() not in stored, canary

    # Picked up again and imported, the follow-up joins its case, in order, as news.
    _haven("intake", "pickup", "--data-dir", str(demo / "data"), "--out", str(demo / "b2.tar"))
    _haven("review", "import", str(demo / "b2.tar"), "--workspace", str(demo / "review"))
    assert set(re.findall(r"\b[0-9a-f]{32}\b",
                          _haven("review", "cases", *_unlock_options(demo)))) == {case_id}
    review = create_review_app(
        ReviewConfig(workspace=demo / "review", idle_seconds=600, unlock_delay_seconds=0.0)
    )
    reviewer = review.test_client()
    reviewer.environ_base["HTTP_SEC_FETCH_SITE"] = "same-origin"
    reviewer.post(
        "/unlock",
        content_type="multipart/form-data",
        data={
            "csrf_token": _csrf(reviewer, "/unlock"),
            "passphrase": DEMO_PASSPHRASE,
            "identity": (io.BytesIO((demo / IDENTITY_FILE).read_bytes()), "key.age"),
        },
    )
    assert "new follow-up" in reviewer.get("/").get_data(as_text=True).lower()
    case = reviewer.get(f"/case/{case_id}").get_data(as_text=True)
    timeline = case[case.index('<ol class="timeline">'):]
    timeline = timeline[:timeline.index("</ol>")]
    report_at, reply_at, follow_up_at = (timeline.index("First report received"),
                                         timeline.index(REPLY_CANARY),
                                         timeline.index(FOLLOW_UP_CANARY))
    assert report_at < reply_at < follow_up_at, "the timeline is out of order"
    assert "calls.pdf" in case

    # The reporter's consent now covers lawyers: the case leaves as an evidence package
    # that Haven and the stock tools both check.
    evidence = demo / "evidence"
    exported = _haven("review", "export", case_id, "--for", "Demo counsel",
                      "--purpose", "Whole-loop test", "--out", str(evidence),
                      *_unlock_options(demo))
    assert str(evidence) in exported
    originals = sorted(p.read_bytes() for p in (evidence / "data" / "originals").iterdir())
    assert originals == [b"%PDF-1.4 call log", b"%PDF-1.4 evidence"]
    assert "lawyers" in (evidence / "data" / "consent.json").read_text()
    _haven("review", "verify", str(evidence))
    bagit = require_program("bagit.py", "pip install bagit")
    subprocess.run([bagit, "--validate", str(evidence)], check=True, capture_output=True,
                   timeout=WAIT_SECONDS)
    subprocess.run(["sha256sum", "--strict", "-c", "manifest-sha256.txt"], cwd=evidence,
                   check=True, capture_output=True, timeout=WAIT_SECONDS)
    _haven("review", "audit", "verify", "--workspace", str(demo / "review"))
