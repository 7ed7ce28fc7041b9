"""Reading a multipart report straight off the request stream, encrypting files as they arrive.

Werkzeug's own form parser spools large files to a temporary file, which would
put plaintext evidence on disk. Here the body is decoded part by part: text
fields stay in memory (bounded), and each file's bytes go through the age
encryptor into chunk rows, so no plaintext byte is ever written anywhere.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, NeedData

import keys
from contracts.report import MAX_CONTENT_TYPE_CHARS, MAX_FILE_NAME_CHARS
from intake.chunks import ChunkWriter
from intake.errors import CsrfRefused, MalformedUpload, UploadTooLarge
from intake.multipart_decoder import MAX_DELIMITER_PADDING, BoundaryDecoder
from intake.staging import as_binary_io

# Asked of the request stream at a time, outside the files being stored: part
# headers and text fields are small, and a read returns only once this much has
# arrived (or the body has ended).
READ_SIZE = 64 * 1024
# Asked at a time while a file is being stored. gunicorn receives up to 1 MiB from
# the socket at once and copies what is left of it at every smaller read: 64 KiB
# reads copied each byte about eight times. A slow upload holds up to this much of
# plaintext in memory, never on disk, before it is encrypted (its ciphertext then
# waits for a batch, FLUSH_BYTES, in intake/staging.py).
FILE_READ_SIZE = 1 << 20
CSRF_FIELD = "csrf_token"
# UTF-8 needs at most 4 bytes a character; the form enforces the character limit.
BYTES_PER_CHAR = 4
# Text parts together may hold this many times one field's limit (two long answers
# plus the short ones); with MAX_PARTS this bounds the memory one request can take.
TEXT_TOTAL_FACTOR = 3
MAX_PARTS = 1000
# A content type goes into the report document as the browser sent it: printable
# ASCII only (a control character would take six bytes as JSON), and bounded.
_CONTENT_TYPE = re.compile(rf"[\x21-\x7e][\x20-\x7e]{{0,{MAX_CONTENT_TYPE_CHARS - 1}}}")
DEFAULT_CONTENT_TYPE = "application/octet-stream"


class AttachmentFiles(Protocol):
    """Where received attachments are stored: the submission they belong to."""

    def open_attachment(self) -> tuple[str, ChunkWriter]:
        """Start the next attachment file; return its stored name and its writer."""
        ...


@dataclass(frozen=True)
class Limits:
    """What one submission may contain."""

    max_upload_bytes: int
    max_files: int
    max_text_chars: int


@dataclass(frozen=True)
class ReceivedAttachment:
    """An attachment stored encrypted; these facts go only into the encrypted report."""

    file: str
    original_name: str
    content_type: str
    size: int
    sha256: str


@dataclass
class ReceivedForm:
    """The text fields of a submission and the attachments already stored encrypted."""

    fields: MultiDict[str, str] = field(default_factory=MultiDict)
    attachments: list[ReceivedAttachment] = field(default_factory=list)
    # Fields longer than the receiver holds: only their beginning is in `fields`, and
    # the form must be sent back for correction (intake/views.py).
    cut_fields: set[str] = field(default_factory=set)


class _FileSink:
    """One attachment in progress: plaintext is hashed, encrypted and chunked as it comes."""

    def __init__(
        self, name: str, chunks: ChunkWriter, *, recipients: Sequence[keys.Recipient]
    ) -> None:
        self.name = name
        self.chunks = chunks
        self.age = keys.AgeWriter(as_binary_io(chunks), recipients=recipients, armor=False)
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.digest.update(data)
        self.size += len(data)
        self.age.write(data)

    def finish(self) -> None:
        self.age.close()
        self.chunks.finish()

    def abort(self) -> None:
        self.age.abort()
        self.chunks.close()


@contextmanager
def _decoder_refusals() -> Iterator[None]:
    """Turn the multipart decoder's refusals into ours."""
    try:
        yield
    except RequestEntityTooLarge:
        raise UploadTooLarge("text") from None
    except ValueError:
        # Werkzeug's decoder signals every framing error as ValueError. Only decoder
        # calls run in here, so a fault of ours is never passed off as the client's.
        raise MalformedUpload("malformed multipart body") from None


def hold_unfinished_delimiter(data: bytes, boundary: bytes) -> tuple[bytes, bytes]:
    """Split `data` into what the decoder may have now and what may begin a delimiter line.

    Werkzeug's decoder misreads a buffer that ends inside a delimiter line
    (its line break, `--boundary`, transport padding, the closing `--`): when
    more than a delimiter's length of it has arrived, it releases the CR
    before it as data, so the part gains a trailing CR, a file one byte, a
    CSRF token a character that makes it fail. Where the network cuts a body is
    the sender's network's choice (a Tor cell is 498 bytes), so the same body
    must decode the same however it is cut. So the decoder is never given a
    buffer that ends inside a delimiter line: from the first line break near
    the end after which a delimiter line may still be arriving (a part of the
    marker, or all of it and then padding, `--` or a CR), everything is held
    back until the next read; a delimiter line that has ended goes to the
    decoder whole. The read before may have brought the line break and the
    start of the marker, so this looks at what was held with it. What is held
    is bounded: a delimiter with more padding than MAX_DELIMITER_PADDING is
    the decoder's to refuse (intake/multipart_decoder.py), wherever its line
    falls, so its line is not held once the padding has passed the bound.
    """
    marker = b"--" + boundary
    # The longest delimiter line that may not have ended: its line break (CR LF), the
    # marker, the closing `--`, the padding and a CR that may begin a CR LF. Twice
    # that: the line break it begins with may end a delimiter line before it, which
    # must be seen to have ended, or holding back from that line break would leave the
    # decoder that line without its end.
    line = 2 + len(marker) + 2 + MAX_DELIMITER_PADDING + 1
    window_start = max(0, len(data) - 2 * line)
    held_from = _unended_delimiter_line(data, marker, window_start)
    return data[:held_from], data[held_from:]


def _unended_delimiter_line(data: bytes, marker: bytes, start: int) -> int:
    """Where the first delimiter line from `start` on that has not ended begins, or len(data).

    A delimiter line begins at a line break, or at a marker with none before it:
    the body's first delimiter needs none (RFC 2046 allows a preamble before it).
    Such a line's line break may end it (in a preamble) or begin the next (in a
    part's data, where a marker with none before it is data): if a line that
    has not ended begins there, it is held back from that marker on.
    """
    at = start
    # Where the line break ending a line that began at a marker is, and that marker.
    shared_line_break = marker_line = -1
    while True:
        line_break = _next_line_break(data, at)
        marker_at = data.find(marker, at)
        if marker_at >= 0 and (line_break < 0 or marker_at < line_break):
            begins = line_start = marker_at
        elif line_break >= 0:
            begins = line_break
            line_start = line_break + (2 if data[line_break : line_break + 2] == b"\r\n" else 1)
        else:
            return _marker_begun(data, marker, at)
        line = data[line_start:]
        unended = marker.startswith(line)  # the marker not all here yet
        if not unended and line.startswith(marker):
            rest = line[len(marker) :]
            if ended := _DELIMITER_ENDED.match(rest):
                # Whole: the decoder's to read.
                at = line_start + len(marker) + ended.end()
                if begins == line_start and ended.group("line_break"):
                    at = shared_line_break = line_start + len(marker) + ended.start("line_break")
                    marker_line = begins
                continue
            unended = _DELIMITER_UNENDED.fullmatch(rest) is not None
        if unended:
            return marker_line if begins == shared_line_break else begins
        at = max(line_start, begins + 1)


def _marker_begun(data: bytes, marker: bytes, start: int) -> int:
    """Where a marker that `data` ends with the beginning of begins, from `start` on, or len(data).

    In a preamble a delimiter needs no line break before it, and Werkzeug's
    decoder searches on from the end of what it was given less a marker's
    length: padding that came after it in the next read would carry its start
    past a marker begun in this one.
    """
    at = data.find(b"-", max(start, len(data) - len(marker) + 1))
    while at >= 0:
        if marker.startswith(data[at:]):
            return at
        at = data.find(b"-", at + 1)
    return len(data)


# What follows the marker on a delimiter line that has ended: the closing `--` or
# not, padding, a line break (a CR only once what follows it shows it is no CR LF);
# or the closing `--`, padding and anything but a line break, which Werkzeug takes
# as the closing delimiter too (its line break is optional), the rest the epilogue.
_DELIMITER_ENDED = re.compile(
    rb"(?:--)?[^\S\r\n]*(?P<line_break>\r\n|\n|\r(?=[^\n]))|--[^\S\r\n]*(?=\S)"
)
# And on one that may still end so: all of it so far may be the start of that, its
# padding within the bound (past it, the decoder refuses the delimiter).
_DELIMITER_UNENDED = re.compile(rb"-|(?:--)?[^\S\r\n]{0,%d}\r?" % MAX_DELIMITER_PADDING)


def _next_line_break(data: bytes, start: int) -> int:
    """The first CR or LF at or after `start`, or -1."""
    found = [at for at in (data.find(b"\r", start), data.find(b"\n", start)) if at >= 0]
    return min(found, default=-1)


class MultipartReceiver:
    """Decodes one multipart body into a ReceivedForm, storing attachments encrypted."""

    def __init__(
        self,
        *,
        boundary: bytes,
        limits: Limits,
        recipients: Sequence[keys.Recipient],
        check_csrf: Callable[[str], bool],
        files: AttachmentFiles,
        admit_files: Callable[[MultiDict[str, str]], None] | None = None,
        refuse_files: bool = False,
    ) -> None:
        self._limits = limits
        self._boundary = boundary
        # The body declared more than the limit: its text fields are read, so the form
        # can come back filled in, and the first file is refused before any is stored.
        self._refuse_files = refuse_files
        # Called with the fields received so far when the first file part arrives; it
        # raises to refuse the files (a follow-up's capability must come before them).
        self._admit_files = admit_files
        self._recipients = recipients
        self._check_csrf = check_csrf
        # The receiver only fills attachment files; their submission's owner stages,
        # publishes or discards them (intake/incoming.py).
        self._files = files
        self._decoder = BoundaryDecoder(
            boundary,
            # Werkzeug compares this with its whole receive buffer, file data included,
            # so it must hold a full read; _take enforces the real per-field and total
            # text limits itself.
            max_form_memory_size=max(limits.max_text_chars * BYTES_PER_CHAR, 2 * FILE_READ_SIZE),
            max_parts=MAX_PARTS,
        )
        self.received = ReceivedForm()
        self._csrf_ok = False
        self._complete = False
        self._read = 0
        self._text: list[bytes] | None = None
        self._text_bytes = 0
        self._all_text_bytes = 0
        self._part: Field | File | None = None
        self._sink: _FileSink | None = None
        self._file_names: list[str] = []

    def receive(self, stream: BinaryIO) -> ReceivedForm:
        """Consume `stream` to its end; raise UploadRefused subclasses on bad input."""
        held = b""
        try:
            while True:
                # Up to the limit, then one byte to see whether the body goes past it:
                # all of it up to the limit is decoded before a refusal, so the fields
                # that came first (the CSRF token, the answers) fill the form sent back.
                room = self._limits.max_upload_bytes - self._read
                size = FILE_READ_SIZE if self._sink is not None else READ_SIZE
                data = stream.read(min(size, room) if room > 0 else 1)
                self._read += len(data)
                if self._read > self._limits.max_upload_bytes:
                    raise UploadTooLarge("total")
                if data:
                    ready, held = hold_unfinished_delimiter(held + data, self._boundary)
                else:
                    ready, held = held, b""
                with _decoder_refusals():
                    if ready:
                        self._decoder.receive_data(ready)
                    if not data:
                        self._decoder.receive_data(None)
                if self._drain_events() or not data:
                    break
        except UploadTooLarge as refusal:
            refusal.fields = self.received.fields
            refusal.file_names = tuple(self._file_names)
            raise
        finally:
            if self._sink is not None:
                self._sink.abort()
                self._sink = None
        if not self._complete:
            raise MalformedUpload("the body ended before the closing boundary")
        return self.received

    def _drain_events(self) -> bool:
        with _decoder_refusals():
            event = self._decoder.next_event()
        while not isinstance(event, NeedData):
            if isinstance(event, Epilogue):
                self._complete = True
                return True
            if isinstance(event, Field | File) and not event.name:
                # RFC 7578 requires every part to be named, and every browser names
                # them; a nameless field would enter the form under the key None.
                raise MalformedUpload("a part without a name")
            if isinstance(event, File):
                self._start_file(event)
            elif isinstance(event, Field):
                self._part, self._text, self._text_bytes = event, [], 0
            elif isinstance(event, Data):
                self._take(event)
            with _decoder_refusals():
                event = self._decoder.next_event()
        return False

    def _start_file(self, event: File) -> None:
        # Nothing is stored before the request is known to come from our own form.
        if not self._csrf_ok:
            raise CsrfRefused("file before a valid CSRF token")
        if self._admit_files is not None:
            self._admit_files(self.received.fields)
            self._admit_files = None
        self._part = event
        if event.name != "attachments" or not event.filename:
            return  # an empty file input, or a file field we never asked for: discarded
        self._file_names.append(event.filename[:MAX_FILE_NAME_CHARS])
        if self._refuse_files:
            raise UploadTooLarge("total", body_unread=True)
        if len(self.received.attachments) >= self._limits.max_files:
            raise UploadTooLarge("files")
        # Checked before anything is stored: no browser sends such a header.
        _content_type(event)
        name, chunks = self._files.open_attachment()
        self._sink = _FileSink(name, chunks, recipients=self._recipients)

    def _take(self, event: Data) -> None:
        part = self._part
        if part is None:
            raise MalformedUpload("data outside a part")
        if isinstance(part, File):
            if self._sink is not None:
                self._sink.write(event.data)
                if not event.more_data:
                    self._finish_file(part)
        else:
            assert self._text is not None
            self._keep_text(part, event.data)
            if not event.more_data:
                self._finish_field(part, b"".join(self._text))
        if not event.more_data:
            self._part, self._text = None, None

    def _keep_text(self, part: Field, data: bytes) -> None:
        # Past its bound, a field is cut rather than the whole body refused: the form
        # comes back with everything else as typed and this answer's beginning, marked
        # too long, and memory stays bounded by the limits either way.
        assert self._text is not None
        field_limit = self._limits.max_text_chars * BYTES_PER_CHAR
        room = min(
            field_limit - self._text_bytes,
            field_limit * TEXT_TOTAL_FACTOR - self._all_text_bytes,
        )
        kept = data[: max(room, 0)]
        if len(kept) < len(data):
            self.received.cut_fields.add(part.name)
        self._text.append(kept)
        self._text_bytes += len(kept)
        self._all_text_bytes += len(kept)

    def _finish_field(self, part: Field, raw: bytes) -> None:
        value = raw.decode("utf-8", "replace")
        if part.name in self.received.cut_fields:
            # The cut may fall inside a character: that half is not part of the answer.
            value = value.removesuffix("\ufffd")
        if part.name == CSRF_FIELD and not self._csrf_ok:
            if not self._check_csrf(value):
                raise CsrfRefused("invalid CSRF token")
            self._csrf_ok = True
        self.received.fields.add(part.name, value)

    def _finish_file(self, part: File) -> None:
        sink = self._sink
        assert sink is not None
        sink.finish()
        self._sink = None
        self.received.attachments.append(
            ReceivedAttachment(
                file=sink.name,
                # Cut to the contract's bound: the name is a hint for the reviewer,
                # the file itself is kept whole.
                original_name=part.filename[:MAX_FILE_NAME_CHARS],
                content_type=_content_type(part),
                size=sink.size,
                sha256=sink.digest.hexdigest(),
            )
        )


def _content_type(part: File) -> str:
    """The part's declared content type, refused unless printable ASCII within the bound."""
    declared = part.headers.get("Content-Type")
    if declared is None:
        return DEFAULT_CONTENT_TYPE
    if not _CONTENT_TYPE.fullmatch(declared):
        raise MalformedUpload("an attachment's Content-Type is not printable or too long")
    return declared
