"""The multipart receiver for the current request: reports and follow-ups share it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import BinaryIO, cast

from flask import request
from flask_wtf.csrf import validate_csrf
from gunicorn.http.errors import NoMoreData, ParseException
from werkzeug.datastructures import MultiDict
from wtforms.validators import ValidationError

from intake.errors import MalformedUpload, UploadTooLarge
from intake.receiving import AttachmentFiles, Limits, MultipartReceiver
from intake.state import IntakeState
from intake.upload_slots import take_upload_slot

# RFC 2046, section 5.1.1: characters from a small ASCII set, not ending in a
# space. Anything else (a non-ASCII boundary an RFC 2231 `boundary*=` parameter
# decodes to, say) is no multipart body a browser sends. The RFC's 70-character
# limit is not enforced: some clients exceed it by a few characters (Werkzeug's
# own test client, at random), and the length that matters to the decoder is
# bounded here, at 200, well above any real client's.
MAX_BOUNDARY_CHARS = 200
BOUNDARY = re.compile(
    rf"[0-9A-Za-z'()+_,\-./:=? ]{{0,{MAX_BOUNDARY_CHARS - 1}}}[0-9A-Za-z'()+_,\-./:=?]"
)


def limits_of(state: IntakeState) -> Limits:
    """The configured limits of one submission."""
    config = state.config
    return Limits(
        max_upload_bytes=config.max_upload_bytes,
        max_files=config.max_files,
        max_text_chars=config.max_text_chars,
    )


def multipart_receiver(
    state: IntakeState,
    files: AttachmentFiles,
    *,
    admit_files: Callable[[MultiDict[str, str]], None] | None = None,
    refuse_files: bool = False,
) -> MultipartReceiver:
    """A receiver for this request's multipart body, storing files into `files`."""
    if request.mimetype != "multipart/form-data":
        raise MalformedUpload("the form must be sent as multipart/form-data")
    boundary = request.mimetype_params.get("boundary", "")
    if not boundary:
        raise MalformedUpload("multipart body without a boundary")
    if not BOUNDARY.fullmatch(boundary):
        raise MalformedUpload("the multipart boundary is not one RFC 2046 allows")
    return MultipartReceiver(
        boundary=boundary.encode("ascii"),
        limits=limits_of(state),
        recipients=state.config.recipients,
        check_csrf=_csrf_token_valid,
        files=files,
        admit_files=admit_files,
        refuse_files=refuse_files,
    )


def declares_too_much(state: IntakeState) -> bool:
    """Whether the request's Content-Length alone exceeds the upload limit."""
    declared = request.content_length
    return declared is not None and declared > state.config.max_upload_bytes


def request_body(state: IntakeState, *, refuse_declared: bool = True) -> BinaryIO:
    """The raw request stream, refused at once if it declares more than the limit.

    With `refuse_declared` false the caller reads such a body itself, as far as its
    text fields (a receiver made with refuse_files), to send the form back filled in.
    """
    if refuse_declared and declares_too_much(state):
        raise UploadTooLarge("total", body_unread=True)
    # Beyond the cap, "busy, try again" at once rather than a thread held for minutes.
    take_upload_slot()
    # The raw stream, never request.form or request.files: those would spool
    # plaintext attachments to a temporary file.
    return cast(BinaryIO, FramedBody(cast(BinaryIO, request.stream)))


def read_body(stream: BinaryIO, size: int) -> bytes:
    """Read up to `size` bytes of the request body; MalformedUpload if its framing is broken.

    gunicorn decodes a chunked body as the app reads it, so an invalid chunk size
    or a missing terminator surfaces here, mid-read, as gunicorn's parse error
    (or NoMoreData when the body stops short): the client's fault, answered with
    the 400 page like any other malformed body, not a 500.
    """
    try:
        return stream.read(size)
    except (ParseException, NoMoreData):
        raise MalformedUpload("the request body's framing is invalid") from None


class FramedBody:
    """The request stream, reporting a body whose framing is broken as MalformedUpload."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        return read_body(self._stream, size)


def _csrf_token_valid(token: str) -> bool:
    try:
        validate_csrf(token)
    except ValidationError:
        return False
    return True
