"""Fixtures of the review suite: reviewers with cheap identity files, workspaces, apps."""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

import keys
from review.cli import review_group
from review.config import ReviewConfig
from review.pickup.provenance import pin
from review.web.app import create_app
from review.web.state import EXTENSION_KEY
from review.workspace.models import Reviewer as ReviewerRow
from review.workspace.store import Workspace
from tests.review.bundles import INTAKE_KEY

# scrypt work factor 2**10 instead of the default 2**18: identity files still
# go through the real passphrase path, at a cost tests can pay hundreds of times.
CHEAP_WORK_FACTOR = 10
PASSPHRASE = "correct horse battery staple"


@dataclass(frozen=True)
class Reviewer:
    """A test reviewer: a name, an identity, and its passphrase-protected identity file."""

    name: str
    identity: keys.X25519Identity | keys.HybridIdentity
    identity_file: Path

    @property
    def recipient(self) -> keys.Recipient:
        """The reviewer's public key."""
        return self.identity.recipient()


@pytest.fixture(params=["hybrid", "x25519"])
def key_kind(request: pytest.FixtureRequest) -> str:
    """Every reviewer-facing test runs with post-quantum (the default) and classic keys."""
    return str(request.param)


@pytest.fixture
def make_reviewer(tmp_path: Path, key_kind: str) -> Callable[[str], Reviewer]:
    """Create reviewers of this test's key kind, with cheap identity files."""

    def make(name: str) -> Reviewer:
        identity: keys.X25519Identity | keys.HybridIdentity
        if key_kind == "hybrid":
            identity = keys.HybridIdentity.generate()
        else:
            identity = keys.X25519Identity.generate()
        path = tmp_path / f"{name}.identity.age"
        keys.write_identity_file(path, [identity], passphrase=PASSPHRASE,
                                 work_factor=CHEAP_WORK_FACTOR)
        return Reviewer(name, identity, path)

    return make


@pytest.fixture
def alice(make_reviewer: Callable[[str], Reviewer]) -> Reviewer:
    """The first reviewer."""
    return make_reviewer("alice")


@pytest.fixture
def bob(make_reviewer: Callable[[str], Reviewer]) -> Reviewer:
    """A second reviewer."""
    return make_reviewer("bob")


@pytest.fixture
def workspace(tmp_path: Path, alice: Reviewer, bob: Reviewer) -> Iterator[Workspace]:
    """An initialised workspace whose reviewers are alice and bob."""
    opened = Workspace.create(tmp_path / "workspace")
    with opened.transaction() as session:
        for reviewer in (alice, bob):
            session.add(ReviewerRow(name=reviewer.name, recipient=str(reviewer.recipient)))
        pin(session, INTAKE_KEY.public_key())
    yield opened
    opened.dispose()


class OwnPagesClient(FlaskClient):
    """A current browser on the review app's own pages: every request says so (Fetch Metadata).

    Tests of requests from elsewhere send their own `Sec-Fetch-Site`, or drop
    this one from `environ_base` to be a browser that sends none.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.environ_base["HTTP_SEC_FETCH_SITE"] = "same-origin"


@pytest.fixture
def app(workspace: Workspace) -> Flask:
    """The review app over `workspace`, with failed unlocks not slowed down."""
    config = ReviewConfig(workspace=workspace.root, idle_seconds=600, unlock_delay_seconds=0.0,
                          min_work_factor=CHEAP_WORK_FACTOR, reap_seconds=0)
    created = create_app(config)
    created.config["TESTING"] = True
    created.test_client_class = OwnPagesClient
    return created


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser of the review app."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Callable[..., object]:
    """Invoke `haven review ...` in-process."""
    cli_runner = app.test_cli_runner()
    return lambda *args: cli_runner.invoke(review_group, list(args))


def csrf_token(client: FlaskClient, path: str = "/unlock") -> str:
    """The CSRF token of a page's form, as a browser would submit it."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def unlock(client: FlaskClient, reviewer: Reviewer, passphrase: str = PASSPHRASE) -> int:
    """Post the unlock form; returns the status code."""
    data = {
        "csrf_token": csrf_token(client),
        "passphrase": passphrase,
        "identity": (io.BytesIO(reviewer.identity_file.read_bytes()), "key.age"),
    }
    response = client.post("/unlock", data=data, content_type="multipart/form-data")
    return response.status_code


def replace_state(app: Flask, **changes: object) -> None:
    """Swap parts of the app's state (a fake-clock vault, a recording throttle)."""
    app.extensions[EXTENSION_KEY] = dataclasses.replace(app.extensions[EXTENSION_KEY], **changes)


def _ifd(entries: list[tuple[int, int, int, bytes]], start: int) -> tuple[bytes, bytes]:
    """A little-endian TIFF IFD at offset `start`, with out-of-line values after it."""
    import struct

    table = struct.pack("<H", len(entries))
    extra = b""
    data_offset = start + 2 + 12 * len(entries) + 4
    for tag, kind, count, value in entries:
        if len(value) <= 4:
            table += struct.pack("<HHI", tag, kind, count) + value.ljust(4, b"\x00")
        else:
            table += struct.pack("<HHII", tag, kind, count, data_offset + len(extra))
            extra += value
    return table + b"\x00\x00\x00\x00", extra


@pytest.fixture(scope="session")
def jpeg_with_gps() -> bytes:
    """A tiny JPEG whose EXIF names the phone and the Eiffel Tower's coordinates."""
    import struct

    def rational(*values: tuple[int, int]) -> bytes:
        return b"".join(struct.pack("<II", a, b) for a, b in values)

    gps_offset = 200
    ifd0, extra0 = _ifd(
        [(0x010F, 2, 6, b"Apple\x00"), (0x0110, 2, 10, b"iPhone 15\x00"),
         (0x8825, 4, 1, struct.pack("<I", gps_offset))], 8)
    gps, extra_gps = _ifd(
        [(1, 2, 2, b"N\x00"), (2, 5, 3, rational((48, 1), (51, 1), (288, 10))),
         (3, 2, 2, b"E\x00"), (4, 5, 3, rational((2, 1), (17, 1), (402, 10)))], gps_offset)
    head = b"II*\x00" + struct.pack("<I", 8) + ifd0 + extra0
    tiff = head.ljust(gps_offset, b"\x00") + gps + extra_gps
    app1 = b"Exif\x00\x00" + tiff
    return (b"\xff\xd8" + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1
            + b"\xff\xda\x00\x02" + b"\x00" * 16 + b"\xff\xd9")
