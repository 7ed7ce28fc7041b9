"""A draft: the answers of a form sent back to the reporter, as they cross one redirect.

Every POST of a form answers 303 (docs/intake.md, "Quick exit and what the
browser remembers"), so a form that must come back (a refusal, a language
button) is carried to the GET that shows it again. What is carried is only
what that page needs: the typed fields the form knows, the names of the files
to choose again (never their bytes), and why it comes back.

The encoding is length-prefixed UTF-8, so a draft is exactly as large as its
answers plus a few bytes each, and its bound follows from the text limits.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass

from contracts.report import MAX_FILE_NAME_CHARS
from intake.errors import DraftRefused
from intake.receiving import BYTES_PER_CHAR, MAX_PARTS, TEXT_TOTAL_FACTOR, Limits

# The form a draft fills (a report's draft must not open on the follow-up page).
REPORT_FORM = "report"
FOLLOW_UP_FORM = "follow-up"

# Why a form comes back: a language button, the limits of intake/receiving.py, an
# answer cut at its limit, a validation error, a report document too large for
# review, no Argon2 slot in time, or (follow-up) a capability that expired. The
# three limits are named as UploadTooLarge names them (intake/errors.py).
LANGUAGE = "language"
TOO_MANY_BYTES = "total"
TOO_MANY_FILES = "files"
TEXT_TOO_LONG = "text"
ANSWER_CUT = "cut"
INVALID = "invalid"
DOCUMENT_TOO_LARGE = "document"
BUSY = "busy"
CAPABILITY_EXPIRED = "expired"
REASONS = frozenset({
    LANGUAGE, TOO_MANY_BYTES, TOO_MANY_FILES, TEXT_TOO_LONG, ANSWER_CUT, INVALID,
    DOCUMENT_TOO_LARGE, BUSY, CAPABILITY_EXPIRED,
})  # fmt: skip

_VERSION = 1
_LENGTH = struct.Struct(">I")
# Each stored string costs its length prefix; a field also its name, which is one of
# the form's own (intake/forms.py, intake/checkback_forms.py), all far shorter than this.
MAX_FIELD_NAME_BYTES = 40
_PER_FIELD_BYTES = 2 * _LENGTH.size + MAX_FIELD_NAME_BYTES
# The form's name, the reason, the flag and the counts.
_FIXED_BYTES = 256


@dataclass(frozen=True)
class Draft:
    """What one page needs to show a form again; never file bytes, never the CSRF token."""

    form: str
    reason: str
    fields: tuple[tuple[str, str], ...]
    # The files to choose again, by name; `files_dropped` when files came unnamed.
    file_names: tuple[str, ...] = ()
    files_dropped: bool = False
    # The answers cut at their limit (ANSWER_CUT): marked as too long on the page.
    cut_fields: tuple[str, ...] = ()


def draft_bound(limits: Limits) -> int:
    """The largest encoded draft any form of this site can produce under `limits`.

    The receiver keeps at most TEXT_TOTAL_FACTOR answers' worth of text in all
    (intake/receiving.py), in at most MAX_PARTS parts, and one name per file
    (one more than allowed: the file that was refused).
    """
    text = limits.max_text_chars * BYTES_PER_CHAR * TEXT_TOTAL_FACTOR
    names = (limits.max_files + 1) * (MAX_FILE_NAME_CHARS * BYTES_PER_CHAR + _LENGTH.size)
    return text + names + MAX_PARTS * _PER_FIELD_BYTES + _FIXED_BYTES


def encode_draft(draft: Draft) -> bytes:
    """`draft` as bytes (decode_draft reverses it)."""
    out = bytearray([_VERSION, int(draft.files_dropped)])
    _put_strings(out, [draft.form, draft.reason])
    _put_count(out, len(draft.fields))
    for name, value in draft.fields:
        _put_strings(out, [name, value])
    for strings in (draft.file_names, draft.cut_fields):
        _put_count(out, len(strings))
        _put_strings(out, strings)
    return bytes(out)


def decode_draft(data: bytes) -> Draft:
    """The draft `data` encodes; DraftRefused if it is not one encode_draft wrote."""
    reader = _Reader(data)
    if reader.byte() != _VERSION:
        raise DraftRefused("unknown draft version")
    files_dropped = reader.byte()
    form, reason = reader.string(), reader.string()
    fields = tuple((reader.string(), reader.string()) for _ in range(reader.count()))
    file_names = tuple(reader.string() for _ in range(reader.count()))
    cut_fields = tuple(reader.string() for _ in range(reader.count()))
    if not reader.at_end() or files_dropped > 1 or reason not in REASONS:
        raise DraftRefused("malformed draft")
    return Draft(form=form, reason=reason, fields=fields, file_names=file_names,
                 files_dropped=bool(files_dropped), cut_fields=cut_fields)  # fmt: skip


def _put_count(out: bytearray, count: int) -> None:
    out += _LENGTH.pack(count)


def _put_strings(out: bytearray, strings: Iterable[str]) -> None:
    for text in strings:
        # surrogatepass: a lone surrogate a client sent must round-trip, not raise.
        encoded = text.encode("utf-8", "surrogatepass")
        out += _LENGTH.pack(len(encoded)) + encoded


class _Reader:
    def __init__(self, data: bytes) -> None:
        self._data = data
        self._at = 0

    def byte(self) -> int:
        return self._take(1)[0]

    def count(self) -> int:
        (count,) = _LENGTH.unpack(self._take(_LENGTH.size))
        # Each counted item takes at least its length prefix: a count beyond what is
        # left cannot be honest, and must not make the reader loop that long.
        if count * _LENGTH.size > len(self._data) - self._at:
            raise DraftRefused("draft count beyond its end")
        return int(count)

    def string(self) -> str:
        (length,) = _LENGTH.unpack(self._take(_LENGTH.size))
        try:
            return self._take(length).decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            raise DraftRefused("draft string not UTF-8") from None

    def at_end(self) -> bool:
        return self._at == len(self._data)

    def _take(self, size: int) -> bytes:
        if self._at + size > len(self._data):
            raise DraftRefused("draft ends early")
        taken = self._data[self._at : self._at + size]
        self._at += size
        return taken
