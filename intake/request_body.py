"""The multipart receiver for the current request: reports and follow-ups share it."""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

from flask import request
from flask_wtf.csrf import validate_csrf
from werkzeug.datastructures import MultiDict
from wtforms.validators import ValidationError

from intake.errors import MalformedUpload, UploadTooLarge
from intake.receiving import AttachmentFiles, Limits, MultipartReceiver
from intake.state import IntakeState


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
) -> MultipartReceiver:
    """A receiver for this request's multipart body, storing files into `files`."""
    if request.mimetype != "multipart/form-data":
        raise MalformedUpload("the form must be sent as multipart/form-data")
    boundary = request.mimetype_params.get("boundary", "")
    if not boundary:
        raise MalformedUpload("multipart body without a boundary")
    return MultipartReceiver(
        boundary=boundary.encode("latin-1"),
        limits=limits_of(state),
        recipients=state.config.recipients,
        check_csrf=_csrf_token_valid,
        files=files,
        admit_files=admit_files,
    )


def request_body(state: IntakeState) -> BinaryIO:
    """The raw request stream, refused at once if it declares more than the limit."""
    declared = request.content_length
    if declared is not None and declared > state.config.max_upload_bytes:
        raise UploadTooLarge("total", body_unread=True)
    # The raw stream, never request.form or request.files: those would spool
    # plaintext attachments to a temporary file.
    return request.stream  # type: ignore[return-value]


def _csrf_token_valid(token: str) -> bool:
    try:
        validate_csrf(token)
    except ValidationError:
        return False
    return True
