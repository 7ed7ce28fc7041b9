"""The courier endpoint: a reviewer's courier fetches pickup bundles and uploads reply bundles.

Registered only when the operator turned it on (HAVEN_COURIER=1); otherwise its
paths are unknown ones, answered 404 like any other. The bundles are the very
ones `haven intake pickup` writes and `haven intake load-replies` loads, with
their signatures: a courier, or whoever controls its machine, can delay or
withhold them, but neither read nor forge them. Answers are JSON or the tar
bundle itself, with the same security headers as every intake response.
"""

from __future__ import annotations

import json
import os
import tarfile
import tempfile
from pathlib import Path
from typing import BinaryIO, cast

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from contracts import courier as contract
from contracts.pickup import MANIFEST_NAME
from intake.courier_audit import PICKUP, REFUSED, REPLIES, record_use
from intake.courier_auth import CourierAuthenticator
from intake.courier_ceilings import CourierCeilings
from intake.courier_delivery import CourierDelivery
from intake.delivery_claims import new_delivery, release
from intake.errors import (
    CourierBusy,
    CourierRefused,
    PickupError,
    PickupKeyError,
    ReplyBundleRefused,
)
from intake.pickup import write_pickup_bundle
from intake.pickup_key import load_pickup_signing_key
from intake.reply_loading import MAX_BUNDLE_BYTES, load_reply_bundle
from intake.request_body import read_body
from intake.state import IntakeState, intake_state
from intake.trusted_reviewers import read_trusted_reviewers

courier_blueprint = Blueprint("courier", __name__)

_EXTENSION_KEY = "haven_intake_courier"
_READ_SIZE = 1 << 20
# More ids than any honest `--again` names; bounds the query a request can cause.
MAX_AGAIN = 1000
# A refused courier is told when the minute's ceiling is free again, at the latest.
_RETRY_AFTER_SECONDS = "60"


def install_courier(app: Flask, state: IntakeState) -> None:
    """Register the courier routes on `app`, with this process's authenticator."""
    app.extensions[_EXTENSION_KEY] = CourierAuthenticator(
        engine=state.engine,
        secret_key=state.config.secret_key,
        gate=state.gate,
        ceilings=CourierCeilings(
            per_courier=state.config.courier_attempts_per_minute,
            total=state.config.courier_total_per_minute,
        ),
    )
    app.register_blueprint(courier_blueprint)


@courier_blueprint.get(contract.PICKUP_PATH)
def pickup() -> ResponseReturnValue:
    """A new signed pickup bundle (or, with ?again=ID, those submissions again); 204 if none."""
    if request.method == "HEAD":
        # Flask answers HEAD with GET's view, but no body is sent: the bundle's
        # submissions would stay claimed, undelivered, until the claim ran out.
        response = _refusal("fetch a pickup bundle with GET", 405)
        response.headers["Allow"] = "GET"
        return response
    courier = _authenticated()
    state = intake_state()
    again = request.args.getlist(contract.AGAIN_PARAMETER)
    if len(again) > MAX_AGAIN:
        return _refusal(f"at most {MAX_AGAIN} submissions may be sent again at once", 400)
    signing_key = load_pickup_signing_key(state.config.data_dir)
    today = state.today()
    # Written in the data directory (private, and where the ciphertext already is),
    # opened, and unlinked before a byte is sent: nothing is left behind on any way out.
    claimed = new_delivery()
    with tempfile.TemporaryDirectory(dir=state.config.data_dir, prefix=".courier-") as workdir:
        path = Path(workdir) / "pickup.tar"
        count = write_pickup_bundle(
            state.engine, path, today=today, signing_key=signing_key, again=again,
            delivery=claimed,
        ).submissions  # fmt: skip
        if count == 0:
            record_use(
                state.engine, courier=courier, day=today, action=PICKUP, detail="nothing new"
            )
            return Response(status=contract.NOTHING_NEW)
        try:
            bundle_id, ids = _contents(path)
            stream = path.open("rb")
        except BaseException:
            release(state.engine, claimed)
            raise
    size = os.fstat(stream.fileno()).st_size
    sent_again = ", sent again" if again else ""
    delivery = CourierDelivery(
        engine=state.engine,
        courier=courier,
        today=today,
        delivery=claimed,
        bundle_id=bundle_id,
        ids=ids,
        detail=f"bundle {bundle_id}, {count} submission(s){sent_again}: {' '.join(ids)}",
    )
    response = Response(delivery.send(stream), mimetype=contract.BUNDLE_TYPE)
    # A response closed before its first byte was asked for never ran send().
    response.call_on_close(lambda: delivery.closed(stream))
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = f'attachment; filename="pickup-{bundle_id}.tar"'
    return response


@courier_blueprint.post(contract.REPLIES_PATH)
def replies() -> ResponseReturnValue:
    """Load a signed reply bundle, with every check of `haven intake load-replies`."""
    courier = _authenticated()
    state = intake_state()
    length = request.content_length
    if length is None:
        return _refusal("a reply bundle must be sent with its Content-Length", 411)
    if length > MAX_BUNDLE_BYTES:
        return _refusal(f"a reply bundle is at most {MAX_BUNDLE_BYTES} bytes", 413)
    with tempfile.TemporaryDirectory(dir=state.config.data_dir, prefix=".courier-") as workdir:
        path = Path(workdir) / "replies.tar"
        if not _received(path, length):
            return _refusal("the body ended before its Content-Length", 400)
        try:
            loaded = load_reply_bundle(
                state.engine,
                path,
                trusted=read_trusted_reviewers(state.config.data_dir),
                today=state.today(),
                retention_days=state.config.retention_days,
            )
        except ReplyBundleRefused as error:
            record_use(
                state.engine,
                courier=courier,
                day=state.today(),
                action=REFUSED,
                detail=f"reply bundle: {error}",
            )
            return _refusal(str(error), 422)
    detail = "already loaded" if loaded.already_loaded else f"{loaded.replies} reply(ies)"
    record_use(
        state.engine,
        courier=courier,
        day=state.today(),
        action=REPLIES,
        detail=f"bundle {loaded.bundle_id} signed by {loaded.signer}: {detail}",
    )
    return jsonify(
        bundle_id=loaded.bundle_id, replies=loaded.replies, already_loaded=loaded.already_loaded
    )


@courier_blueprint.errorhandler(CourierBusy)
def busy(error: CourierBusy) -> ResponseReturnValue:
    """Past a ceiling, or no derivation slot free: 429, and no Argon2 ran."""
    response = _refusal(str(error), 429)
    response.headers["Retry-After"] = _RETRY_AFTER_SECONDS
    return response


@courier_blueprint.errorhandler(CourierRefused)
def refused(error: CourierRefused) -> ResponseReturnValue:
    """A wrong credential or code: 401; audited once the token was right."""
    if error.courier is not None:
        state = intake_state()
        record_use(
            state.engine,
            courier=error.courier,
            day=state.today(),
            action=REFUSED,
            detail=str(error),
        )
    return _refusal(str(error), 401)


@courier_blueprint.errorhandler(PickupError)
def pickup_refused(error: PickupError) -> ResponseReturnValue:
    """The bundle could not be written (an id not picked up before, stored data damaged)."""
    return _refusal(str(error), 409)


@courier_blueprint.errorhandler(PickupKeyError)
def no_signing_key(_error: PickupKeyError) -> ResponseReturnValue:
    """The operator has not created the pickup signing key; nothing was picked up."""
    return _refusal("intake has no pickup signing key yet; ask its operator", 503)


def _authenticated() -> str:
    authenticator = current_app.extensions[_EXTENSION_KEY]
    assert isinstance(authenticator, CourierAuthenticator)
    return authenticator.authenticate(
        request.headers.get(contract.CREDENTIAL_HEADER, ""),
        request.headers.get(contract.TOTP_HEADER, ""),
    )


def _refusal(message: str, status: int) -> Response:
    response = jsonify(error=message)
    response.status_code = status
    return response


def _contents(path: Path) -> tuple[str, list[str]]:
    # Our own bundle, just written: its first member is the manifest.
    with tarfile.open(path, "r:") as tar:
        member = tar.extractfile(MANIFEST_NAME)
        assert member is not None
        manifest = json.load(member)
    return manifest["bundle_id"], [entry["id"] for entry in manifest["submissions"]]


def _received(path: Path, length: int) -> bool:
    body = cast(BinaryIO, request.stream)
    remaining = length
    with path.open("xb") as out:
        while remaining:
            data = read_body(body, min(_READ_SIZE, remaining))
            if not data:
                return False
            out.write(data)
            remaining -= len(data)
    return True
