"""PostgreSQL stopped and started under load: a "try again" page, nothing acknowledged lost.

The real cluster at 127.0.0.1:5432 is stopped with pg_ctlcluster while
reporters keep sending to `haven intake serve` (gunicorn) on a database of its
own, and started again in a `finally` whatever happens, as soon as the outage
has been seen: other tests use the same server.
"""

from __future__ import annotations

import http.client
import json
import re
import secrets
import shutil
import subprocess
import tarfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

import keys
from intake.db import make_engine
from intake.pickup import write_pickup_bundle
from keys.signing import SigningKey
from tests.intake import multipart
from tests.intake.datadir import prepare_data_dir
from tests.intake.headers import SECURITY_HEADERS
from tests.intake.served import Reporter, Served, serve
from tests.support import WAIT_SECONDS, require, wait_until

CLUSTER = ("15", "main")
POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
# Fewer than the worker's upload slots (threads - 1), so one more request finds a slot.
REPORTERS = 2
# The page's French text: the answer is translated, not a bare status.
FRENCH_UNAVAILABLE = "Ce site ne peut pas enregistrer de signalements pour le moment"


@dataclass
class Load:
    """Reporters sending numbered reports until told to stop, and what each answer was."""

    served: Served
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # (serial, status, whether the report was sent after the cluster came back)
    answers: list[tuple[int, int, bool]] = field(default_factory=list)
    unavailable_pages: list[str] = field(default_factory=list)
    failures: list[BaseException] = field(default_factory=list)
    restarted: threading.Event = field(default_factory=threading.Event)
    serials: Iterator[int] = field(default_factory=lambda: iter(range(1_000_000)))

    def statuses(self, *, after_restart: bool | None = None) -> list[int]:
        with self.lock:
            return [
                status
                for _serial, status, after in self.answers
                if after_restart is None or after == after_restart
            ]

    def reporter(self) -> None:
        try:
            reporter = Reporter(self.served.port)
            while not self.stop.is_set():
                with self.lock:
                    serial = next(self.serials)
                after = self.restarted.is_set()
                body = multipart.body(
                    [
                        multipart.field("csrf_token", reporter.token),
                        multipart.field("narrative", f"report number {serial}"),
                    ]
                )
                status, page = reporter.submit(body)
                with self.lock:
                    self.answers.append((serial, status, after))
                    if status == 503:
                        self.unavailable_pages.append(page)
        except BaseException as error:
            with self.lock:
                self.failures.append(error)


def admin_execute(statement: str) -> None:
    psycopg = pytest.importorskip("psycopg")
    # A connection of its own each time: stopping the cluster ends every session.
    with psycopg.connect(
        "host=127.0.0.1 port=5432 user=postgres dbname=test", autocommit=True
    ) as admin:
        admin.execute(statement)


@pytest.fixture
def restart_database_url() -> Iterator[str]:
    """A database of this test's own, created for it and dropped after it."""
    psycopg = pytest.importorskip("psycopg")
    name = f"haven_restart_{secrets.token_hex(6)}"
    try:
        admin_execute(f"CREATE DATABASE {name}")
    except psycopg.OperationalError as error:
        require(False, f"PostgreSQL at 127.0.0.1:5432 is not reachable ({error})")
    try:
        yield f"{POSTGRES_SERVER}/{name}"
    finally:
        admin_execute(f"DROP DATABASE {name} WITH (FORCE)")


def cluster(action: str) -> None:
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", *CLUSTER, action, "-m", "fast"]
        if action == "stop"
        else ["pg_ctlcluster", "--skip-systemctl-redirect", *CLUSTER, action],
        check=True,
        capture_output=True,
        timeout=WAIT_SECONDS,
    )


def postgres_ready() -> bool:
    return subprocess.run(
        ["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"], check=False
    ).returncode == 0


@pytest.mark.slow
@pytest.mark.postgres
def test_postgresql_restart_under_load(
    tmp_path: Path, reviewer: keys.X25519Identity, restart_database_url: str
) -> None:
    database_url = restart_database_url
    require(
        shutil.which("pg_ctlcluster") is not None, "pg_ctlcluster not found (postgresql-common)"
    )
    data_dir = prepare_data_dir(tmp_path / "data", [str(reviewer.recipient())], database_url)
    served_generator = serve(
        data_dir, tmp_path, threads=4, settings={"HAVEN_DATABASE_URL": database_url}
    )
    served = next(served_generator)
    load = Load(served)
    threads = [threading.Thread(target=load.reporter) for _ in range(REPORTERS)]
    try:
        for thread in threads:
            thread.start()
        served.server.wait_until(
            lambda: load.statuses().count(200) >= REPORTERS or bool(load.failures),
            failure="no report was accepted before the outage",
        )
        try:
            cluster("stop")
            served.server.wait_until(
                # Any refusal ends the wait (a 500 too, asserted below): the outage stays short.
                lambda: set(load.statuses()) != {200} or bool(load.failures),
                failure="every report was still accepted while PostgreSQL was down",
            )
            french = Reporter(served.port)
            status, headers, page = submit_in_french(french)
        finally:
            # Whatever happened, the shared cluster comes back at once.
            cluster("start")
            wait_until(postgres_ready, failure="PostgreSQL did not come back")
        load.restarted.set()
        assert status == 503, page[:500]
        assert headers["retry-after"] == "60", page
        for name, value in SECURITY_HEADERS.items():
            assert headers[name.lower()] == value, name
        assert FRENCH_UNAVAILABLE in page
        # Recovery by itself: reports sent after the restart are accepted again.
        served.server.wait_until(
            lambda: load.statuses(after_restart=True).count(200) >= REPORTERS
            or bool(load.failures),
            failure="intake did not accept reports again after PostgreSQL came back",
        )
    finally:
        load.stop.set()
        for thread in threads:
            thread.join(WAIT_SECONDS)
        served_generator.close()
    assert not load.failures, load.failures
    statuses = load.statuses()
    # Every answer is a receipt or the "try again" page: never a 500 or a reset.
    assert set(statuses) <= {200, 503}, statuses
    for page in load.unavailable_pages:
        assert "no receipt was given" in page

    acknowledged = sorted(serial for serial, status, _after in load.answers if status == 200)
    stored = picked_up_serials(tmp_path, database_url, reviewer)
    # Nothing acknowledged is lost, and nothing is stored twice.
    assert len(stored) == len(set(stored))
    assert set(acknowledged) <= set(stored)


def submit_in_french(reporter: Reporter) -> tuple[int, dict[str, str], str]:
    body = multipart.body(
        [
            multipart.field("csrf_token", reporter.token),
            multipart.field("narrative", "sent while the database is down"),
        ]
    )
    connection = http.client.HTTPConnection("127.0.0.1", reporter.port, timeout=WAIT_SECONDS)
    connection.request(
        "POST",
        "/report",
        body=body,
        headers={**reporter.headers(len(body)), "Accept-Language": "fr"},
    )
    response = connection.getresponse()
    headers = {name.lower(): value for name, value in response.getheaders()}
    page = response.read().decode()
    connection.close()
    return response.status, headers, page


def picked_up_serials(
    tmp_path: Path, database_url: str, reviewer: keys.X25519Identity
) -> list[int]:
    """Pick up everything stored; return the report numbers the bundle's reports carry."""
    engine = make_engine(database_url)
    bundle = tmp_path / "bundle.tar"
    try:
        write_pickup_bundle(engine, bundle, today=date.today(), signing_key=SigningKey.generate())
    finally:
        engine.dispose()
    serials = []
    with tarfile.open(bundle) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        for entry in manifest["submissions"]:
            member = tar.extractfile(f"submissions/{entry['id']}/report.age")
            assert member is not None
            report = json.loads(keys.decrypt(member.read(), identities=[reviewer]))
            narrative = report["answers"]["narrative"]
            match = re.fullmatch(r"report number (\d+)", narrative)
            if match:
                serials.append(int(match.group(1)))
    return serials
