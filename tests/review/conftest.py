"""Fixtures of the review suite: reviewers with cheap identity files, workspaces, apps."""

from __future__ import annotations

from collections.abc import Callable, Iterator
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
from review.workspace.models import Reviewer as ReviewerRow
from review.workspace.store import Workspace
from tests.review import photos
from tests.review.bundles import INTAKE_KEY
from tests.review.reviewers import CHEAP_WORK_FACTOR, PASSPHRASE, Reviewer


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


@pytest.fixture(scope="session")
def jpeg_with_gps() -> bytes:
    """A tiny JPEG whose EXIF names the phone and the Eiffel Tower's coordinates."""
    return photos.jpeg_with_gps()
