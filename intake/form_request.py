"""Intake's request class: Werkzeug's form parser never stores a file part anywhere.

Files reach intake only through its streaming receiver (intake/receiving.py),
which encrypts each one to the reviewers before anything of it is stored. Every
other route that reads a body does so through Werkzeug's form parser
(`request.form`, a Flask-WTF form), and expects text alone. Given a multipart
body, that parser keeps each file part in a temporary file once it passes 500
KiB, at any size and before the route has looked at its CSRF token: a
stranger's bytes written to disk by one unauthenticated request (the outside
review's `hide_spools_to_disk.py` put 8 MiB there through POST /check/hide).
So no route can make it: the parser asks the request for a file's stream, and
this request refuses to give one. The refusal is the malformed-form page, and
nothing of the part was read.
"""

from __future__ import annotations

from typing import IO

from flask import Request

from intake.errors import MalformedUpload


class FormRequest(Request):
    """A request whose form parsing refuses file parts instead of spooling them."""

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        # Raised from inside the parse, not a ValueError: Werkzeug's parser would take
        # that for a framing error and silently hand the route an empty form.
        raise MalformedUpload("a file part sent to a form that takes none")
