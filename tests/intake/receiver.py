"""The multipart receiver driven directly, with its files kept in memory and its body in pieces."""

from __future__ import annotations

import io
from typing import cast

import keys
from intake.chunks import ChunkWriter
from intake.errors import UploadRefused
from intake.receiving import Limits, MultipartReceiver, ReceivedForm
from tests.intake import multipart

READER = keys.X25519Identity(bytes(range(32)))
LIMITS = Limits(max_upload_bytes=1 << 20, max_files=5, max_text_chars=2000)
TOKEN = "the-csrf-token"


class _MemoryFile(io.BytesIO):
    """Stands in for a ChunkWriter: keeps the ciphertext, as the chunk rows would."""

    finished = False

    def finish(self) -> None:
        self.finished = True


class _MemoryFiles:
    def __init__(self) -> None:
        self.files: dict[str, _MemoryFile] = {}

    def open_attachment(self) -> tuple[str, ChunkWriter]:
        name = f"attachment-{len(self.files) + 1:03d}.age"
        self.files[name] = _MemoryFile()
        return name, cast(ChunkWriter, self.files[name])


class _Pieces(io.RawIOBase):
    """A body returned in pieces cut at `cuts`, as a network delivers it."""

    def __init__(self, data: bytes, cuts: list[int]) -> None:
        super().__init__()
        ends = sorted({cut for cut in cuts if 0 < cut < len(data)} | {len(data)})
        self._pieces = [data[start:end] for start, end in zip([0, *ends], ends, strict=False)]

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if not self._pieces:
            return b""
        piece = self._pieces[0]
        if size < 0 or size >= len(piece):
            self._pieces.pop(0)
            return piece
        self._pieces[0] = piece[size:]
        return piece[:size]


def receive(body: bytes, cuts: list[int], boundary: bytes = multipart.BOUNDARY.encode()):  # type: ignore[no-untyped-def]
    files = _MemoryFiles()
    receiver = MultipartReceiver(
        boundary=boundary,
        limits=LIMITS,
        recipients=[READER.recipient()],
        check_csrf=lambda token: token == TOKEN,
        files=files,
    )
    return receiver.receive(cast(io.BufferedReader, _Pieces(body, cuts))), files


def summary(form: ReceivedForm, files: _MemoryFiles) -> tuple[object, ...]:
    return (
        sorted(form.fields.items(multi=True)),
        [(a.original_name, a.content_type, a.size, a.sha256) for a in form.attachments],
        {name: keys.decrypt(f.getvalue(), identities=[READER]) for name, f in files.files.items()
         if f.finished},
    )


def outcome(
    body: bytes, cuts: list[int], boundary: bytes = multipart.BOUNDARY.encode()
) -> tuple[str, object]:
    """What receiving `body` in pieces cut at `cuts` comes to: the form, or the refusal's kind."""
    try:
        return ("received", summary(*receive(body, cuts, boundary)))
    except UploadRefused as refusal:
        return ("refused", type(refusal).__name__)
