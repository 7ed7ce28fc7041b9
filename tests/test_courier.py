"""The courier against a real gunicorn: fetch and import a bundle, upload replies, and refusals.

The demo's layout (intake data, review workspace, reviewer key) served by
`haven intake serve` with HAVEN_COURIER=1; the courier is `haven review courier`
(urllib) or raw requests from http.client to say exactly what is sent.
"""

from __future__ import annotations

import http.client
import re
import socket
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
from click.testing import CliRunner

from contracts import courier as contract
from haven.cli import main
from haven.demo import IDENTITY_FILE, PASSPHRASE_FILE
from tests.intake import multipart
from tests.intake.headers import SECURITY_HEADERS
from tests.intake.served import Reporter, Served, serve
from tests.support import WAIT_SECONDS

CANARY = "CANARY-courier-61d2: the consulate asked about my brother"
REPLY_CANARY = "REPLYCANARY-courier-0b7e: we will call you on Thursday"
# Generous for a served test, small enough to reach in a few requests.
PER_COURIER = 10

pytestmark = pytest.mark.slow


def haven(*args: str, input: str | None = None) -> str:
    result = CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def haven_fails(*args: str, input: str | None = None) -> str:
    result = CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)
    assert result.exit_code == 1, result.output
    return result.output


@dataclass
class Courier:
    """A courier as its reviewer holds it: the credential file and the TOTP secret file."""

    name: str
    credential: str
    totp: pyotp.TOTP
    token_file: Path
    secret_file: Path
    last_step: int | None = None

    def fresh_code(self) -> str:
        """A code intake has not accepted from this courier yet, whenever it arrives.

        Each time step is accepted once, and intake allows one step of drift: the
        current step's code, then the next one's. A third within one step would need
        a step intake does not accept yet; each test stays within two per courier.
        """
        current = int(time.time()) // contract.TOTP_STEP_SECONDS
        step = current if self.last_step is None or self.last_step < current else self.last_step + 1
        assert step <= current + 1, "a test asked for a third code within one step"
        self.last_step = step
        return str(self.totp.at(step * contract.TOTP_STEP_SECONDS))

    def used_secret_file(self) -> None:
        """Note that `--totp-secret-file` just used the code of the step current then."""
        self.last_step = int(time.time()) // contract.TOTP_STEP_SECONDS

    def headers(self, code: str, credential: str | None = None) -> dict[str, str]:
        return {
            contract.CREDENTIAL_HEADER: self.credential if credential is None else credential,
            contract.TOTP_HEADER: code,
        }

    def wrong_code(self) -> str:
        """A well-formed code that is none of those intake would accept now."""
        now = int(time.time())
        near = {self.totp.at(now + drift * contract.TOTP_STEP_SECONDS) for drift in range(-2, 3)}
        return next(c for c in (f"{n:06d}" for n in range(10**6)) if c not in near)


@dataclass(frozen=True)
class Site:
    served: Served
    demo: Path

    @property
    def data_dir(self) -> Path:
        return self.demo / "data"

    @property
    def url(self) -> str:
        return self.served.server.url

    def add_courier(self, name: str, tmp_path: Path) -> Courier:
        shown = haven("intake", "courier", "add", name, "--data-dir", str(self.data_dir))
        credential = re.search(r"credential \(for --token-file\): (\S+)", shown)
        uri = re.search(r"(otpauth://\S+)", shown)
        assert credential and uri, shown
        token_file = tmp_path / f"{name}.credential"
        token_file.write_text(credential.group(1) + "\n")
        secret_file = tmp_path / f"{name}.totp"
        secret_file.write_text(uri.group(1) + "\n")
        totp = pyotp.parse_uri(uri.group(1))
        assert isinstance(totp, pyotp.TOTP)
        return Courier(name, credential.group(1), totp, token_file, secret_file)

    def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None = None
    ) -> tuple[int, bytes]:
        """One request; every answer, whatever its status, carries Haven's headers."""
        connection = http.client.HTTPConnection("127.0.0.1", self.served.port, timeout=WAIT_SECONDS)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            for name, value in SECURITY_HEADERS.items():
                assert response.getheader(name) == value, (path, response.status, name)
            assert response.getheader("Server") is None
            assert response.getheader("Set-Cookie") is None, "a courier answer sets no cookie"
        finally:
            connection.close()
        return response.status, data

    def uses(self) -> list[tuple[str, str, str, str]]:
        connection = sqlite3.connect(self.data_dir / "intake.sqlite3")
        try:
            return connection.execute(
                "SELECT courier, day, action, detail FROM courier_uses ORDER BY row"
            ).fetchall()
        finally:
            connection.close()


def wait_for_pickups(site: Site, count: int) -> None:
    """Wait until `count` bundles were marked picked up: intake marks a bundle once its last
    byte is sent, which is a moment after the courier has it all."""
    site.served.server.wait_until(
        lambda: sum(use[2] == "pickup" and use[3] != "nothing new" for use in site.uses())
        >= count,
        failure=f"intake did not record {count} pickup(s)",
    )


def submit(site: Site, narrative: str = CANARY) -> None:
    reporter = Reporter(site.served.port)
    status, page = reporter.submit(
        multipart.body(
            [
                multipart.field("csrf_token", reporter.token),
                multipart.field("narrative", narrative),
                multipart.file_part(b"letter.pdf", b"%PDF-1.4 evidence"),
            ]
        )
    )
    assert status == 200, page


def demo_layout(root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(root)
    monkeypatch.delenv("HAVEN_DATABASE_URL", raising=False)
    haven("demo", "--setup-only")
    return root / "haven-demo"


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    demo = demo_layout(tmp_path, monkeypatch)
    settings = {
        "HAVEN_COURIER": "1",
        "HAVEN_COURIER_ATTEMPTS_PER_MINUTE": str(PER_COURIER),
    }
    for served in serve(demo / "data", tmp_path, settings=settings):
        yield Site(served, demo)


def unlock_options(demo: Path) -> list[str]:
    return ["--workspace", str(demo / "review"), "--identity", str(demo / IDENTITY_FILE),
            "--passphrase-file", str(demo / PASSPHRASE_FILE)]


def test_a_bundle_fetched_by_courier_imports_and_replies_uploaded_by_courier_load(
    site: Site, tmp_path: Path
) -> None:
    submit(site)
    courier = site.add_courier("alice-laptop", tmp_path)
    bundle = tmp_path / "bundle.tar"
    fetched = haven("review", "courier", "--url", site.url, "--token-file",
                    str(courier.token_file), "--totp-secret-file", str(courier.secret_file),
                    "--out", str(bundle))
    courier.used_secret_file()
    assert f"Wrote {bundle}" in fetched
    wait_for_pickups(site, 1)
    assert CANARY.encode() not in bundle.read_bytes()
    imported = haven("review", "import", str(bundle), "--workspace", str(site.demo / "review"))
    assert "1 new submission," in imported

    # A reply written offline travels back the same way; the second request of this
    # step needs the next code (each is accepted once), typed at the prompt.
    listed = haven("review", "cases", *unlock_options(site.demo))
    (case_id,) = set(re.findall(r"\b[0-9a-f]{32}\b", listed))
    text_file = tmp_path / "reply.txt"
    text_file.write_text(REPLY_CANARY)
    haven("review", "reply", case_id, "--status", "reading", "--text-file", str(text_file),
          *unlock_options(site.demo))
    replies = tmp_path / "replies.tar"
    haven("review", "replies", "--out", str(replies), *unlock_options(site.demo))
    uploaded = haven("review", "courier", "--url", site.url, "--token-file",
                     str(courier.token_file), "--upload", str(replies),
                     input=courier.fresh_code() + "\n")
    assert "Intake loaded 1 reply of bundle" in uploaded

    connection = sqlite3.connect(site.data_dir / "intake.sqlite3")
    try:
        (loaded,) = connection.execute("SELECT count(*) FROM replies").fetchone()
        states = connection.execute("SELECT state FROM submissions").fetchall()
    finally:
        connection.close()
    assert loaded == 1
    assert states == [("picked_up",)]
    # The trail: who, which day, what; nothing of the client.
    (fetch, upload) = site.uses()
    assert fetch[0] == upload[0] == "alice-laptop"
    assert fetch[2] == "pickup" and "1 submission(s)" in fetch[3]
    assert upload[2] == "replies" and "1 reply(ies)" in upload[3]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", fetch[1])


def test_nothing_new_is_204_and_again_sends_a_submission_a_second_time(
    site: Site, tmp_path: Path
) -> None:
    courier = site.add_courier("bob", tmp_path)
    status, body = site.request("GET", contract.PICKUP_PATH, courier.headers(courier.fresh_code()))
    assert (status, body) == (204, b"")
    submit(site)
    first = tmp_path / "first.tar"
    haven("review", "courier", "--url", site.url, "--token-file", str(courier.token_file),
          "--out", str(first), input=courier.fresh_code() + "\n")
    (submission_id,) = set(re.findall(rb"submissions/([0-9a-f]{32})/", first.read_bytes()))
    wait_for_pickups(site, 1)
    # Review could not import it: the operator's `--again`, through another courier.
    other = site.add_courier("bob-2", tmp_path)
    again = tmp_path / "again.tar"
    haven("review", "courier", "--url", site.url, "--token-file", str(other.token_file),
          "--totp-secret-file", str(other.secret_file), "--out", str(again),
          "--again", submission_id.decode())
    assert b"submissions/" + submission_id + b"/report.age" in again.read_bytes()
    wait_for_pickups(site, 2)
    assert site.uses()[0][2:] == ("pickup", "nothing new")
    assert site.uses()[-1][0] == "bob-2"
    assert site.uses()[-1][3].endswith(f"sent again: {submission_id.decode()}")


def submission_states(site: Site) -> list[str]:
    connection = sqlite3.connect(site.data_dir / "intake.sqlite3")
    try:
        return [row[0] for row in connection.execute("SELECT state FROM submissions")]
    finally:
        connection.close()


def test_wrong_token_wrong_code_replays_and_a_revoked_courier_are_refused(
    site: Site, tmp_path: Path
) -> None:
    submit(site)
    courier = site.add_courier("carol", tmp_path)
    name, _, token = courier.credential.rpartition(":")
    other_token = ("A" if token[0] != "A" else "B") + token[1:]
    pickup = contract.PICKUP_PATH
    for credential in (f"{name}:{other_token}", f"nobody:{token}", token, ""):
        sent = courier.headers(courier.fresh_code(), credential)
        status, body = site.request("GET", pickup, sent)
        assert status == 401, (credential, body)
        courier.last_step = None  # a refused token uses up no code
    assert site.request("GET", pickup, courier.headers(courier.wrong_code()))[0] == 401
    assert site.request("GET", pickup, courier.headers(""))[0] == 401
    assert submission_states(site) == ["published"], "a refusal changed nothing"

    code = courier.fresh_code()
    status, bundle = site.request("GET", pickup, courier.headers(code))
    assert status == 200 and bundle.startswith(b"manifest.json")
    wait_for_pickups(site, 1)
    # The very same request again (a recorded one, replayed), and the same code with
    # another request: both refused, since that time step was used.
    replayed = site.request("GET", pickup, courier.headers(code))
    assert replayed[0] == 401 and b"used already" in replayed[1]
    status, _ = site.request("POST", contract.REPLIES_PATH, courier.headers(code), body=b"x")
    assert status == 401
    # An earlier step's code after a later one was used is refused too.
    earlier = courier.totp.at(int(time.time()) - contract.TOTP_STEP_SECONDS)
    assert site.request("GET", pickup, courier.headers(earlier))[0] == 401

    haven("intake", "courier", "remove", "carol", "--data-dir", str(site.data_dir))
    assert "carol" not in haven("intake", "courier", "list", "--data-dir", str(site.data_dir))
    status, body = site.request("GET", pickup, courier.headers(courier.fresh_code()))
    assert status == 401, body
    refused = haven_fails("review", "courier", "--url", site.url, "--token-file",
                          str(courier.token_file), "--totp-secret-file", str(courier.secret_file),
                          "--out", str(tmp_path / "never.tar"))
    assert "intake refused (401)" in refused
    assert not (tmp_path / "never.tar").exists()

    # The trail holds what the right token did (and tried), by day; nothing of the client.
    actions = [use[2] for use in site.uses()]
    assert actions == ["refused", "refused", "pickup", "refused", "refused", "refused"]
    log = haven("intake", "courier", "log", "--data-dir", str(site.data_dir))
    assert "carol pickup: bundle" in log


def test_past_the_ceiling_a_courier_gets_429(site: Site, tmp_path: Path) -> None:
    courier = site.add_courier("dave", tmp_path)
    for _ in range(PER_COURIER):
        wrong = courier.headers(courier.wrong_code())
        assert site.request("GET", contract.PICKUP_PATH, wrong)[0] == 401
    status, body = site.request("GET", contract.PICKUP_PATH, courier.headers(courier.fresh_code()))
    assert status == 429 and b"too many attempts by courier dave" in body
    # The ceiling is the courier's own: another courier still gets in.
    other = site.add_courier("erin", tmp_path)
    assert site.request("GET", contract.PICKUP_PATH, other.headers(other.fresh_code()))[0] == 204


def test_nothing_of_the_client_is_logged_or_stored(site: Site, tmp_path: Path) -> None:
    submit(site)
    courier = site.add_courier("frank", tmp_path)
    agent = "CourierAgent-9c1d/1.0"
    headers = {**courier.headers(courier.fresh_code()), "User-Agent": agent,
               "X-Forwarded-For": "203.0.113.77"}
    assert site.request("GET", contract.PICKUP_PATH, headers)[0] == 200
    headers = {**courier.headers(courier.wrong_code()), "User-Agent": agent}
    assert site.request("GET", contract.PICKUP_PATH, headers)[0] == 401
    haven("review", "courier", "--url", site.url, "--token-file", str(courier.token_file),
          "--out", str(tmp_path / "b.tar"), input=courier.fresh_code() + "\n")
    traces = [site.served.log, *(p for p in site.data_dir.rglob("*") if p.is_file())]
    for path in traces:
        data = path.read_bytes()
        for needle in (b"127.0.0.1", b"203.0.113.77", agent.encode(), b"Python-urllib",
                       courier.credential.encode()):
            assert needle not in data, (path, needle)
    assert not list(site.data_dir.glob(".courier-*")), "no bundle left behind"


def test_the_endpoint_is_off_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    demo = demo_layout(tmp_path, monkeypatch)
    for served in serve(demo / "data", tmp_path):
        site = Site(served, demo)
        courier = site.add_courier("gina", tmp_path)
        for method, path in (("GET", contract.PICKUP_PATH), ("POST", contract.REPLIES_PATH)):
            status, body = site.request(method, path, courier.headers(courier.fresh_code()))
            assert status == 404, body
            # The same page as any unknown path: nothing says a courier could be here.
            assert body == site.request("GET", "/no-such-page", {})[1]
        assert site.uses() == []


def test_a_download_cut_short_marks_nothing_picked_up(site: Site, tmp_path: Path) -> None:
    # Larger than any loopback socket buffer, so the server is still sending when the
    # courier hangs up (a Tor circuit dropping).
    reporter = Reporter(site.served.port)
    status, page = reporter.submit(
        multipart.body(
            [
                multipart.field("csrf_token", reporter.token),
                multipart.field("narrative", CANARY),
                multipart.file_part(b"video.bin", bytes(32 << 20)),
            ]
        )
    )
    assert status == 200, page
    courier = site.add_courier("henry", tmp_path)
    with socket.create_connection(("127.0.0.1", site.served.port), timeout=WAIT_SECONDS) as raw:
        credential = f"{contract.CREDENTIAL_HEADER}: {courier.credential}"
        code = f"{contract.TOTP_HEADER}: {courier.fresh_code()}"
        raw.sendall(
            f"GET {contract.PICKUP_PATH} HTTP/1.1\r\nHost: x\r\n{credential}\r\n{code}\r\n\r\n"
            .encode()
        )
        assert raw.recv(4096).startswith(b"HTTP/1.1 200")
    site.served.server.wait_until(
        lambda: any(use[2] == "interrupted" for use in site.uses()),
        failure="the server did not notice the courier hang up",
    )
    assert submission_states(site) == ["published"]
    assert [use[2] for use in site.uses()] == ["interrupted"]
    # The next fetch brings the same submission, whole.
    bundle = tmp_path / "bundle.tar"
    haven("review", "courier", "--url", site.url, "--token-file", str(courier.token_file),
          "--out", str(bundle), input=courier.fresh_code() + "\n")
    assert bundle.stat().st_size > 32 << 20
    wait_for_pickups(site, 1)
    assert submission_states(site) == ["picked_up"]
