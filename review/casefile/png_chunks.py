"""A PNG's chunks by random access: those before its image data, and those after it from its tail.

Text (tEXt, iTXt) may come before or after the image data, and writers do
put some after it. Walking every chunk header to reach them reads one header
per IDAT chunk, and libpng writes them 8 KiB apart: a 25 MiB photo would be
decrypted whole for a dozen bytes of text. IDAT chunks must be consecutive
(PNG specification, chunk ordering), so everything after the image data is
found instead in the file's last 64 KiB, or TAIL_WINDOW: from an IDAT chunk
there, each chunk's length must lead to the next, every CRC must match, and
the last must be IEND at the very end. A file whose tail shows no such chain
(no IDAT header in the window, bytes after IEND, a bad CRC) has its headers
walked one by one as before, which is also cheap when its IDAT chunks are few
and large. A chunk a non-conforming file puts between two IDAT chunks before
the window is not seen.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Collection, Iterator
from typing import BinaryIO

SIGNATURE_SIZE = 8
_HEADER = struct.Struct(">I4s")
_CRC = struct.Struct(">I")
CHUNK_OVERHEAD = 12  # length, type, CRC
IMAGE_DATA = b"IDAT"
END = b"IEND"
END_CHUNK = b"\x00\x00\x00\x00IEND\xaeB`\x82"
# What comes after the image data is a few chunks of text. The tail is read
# this far first (libpng's last 8 KiB IDAT header is in it), then, if it shows
# no chain, as far as TAIL_WINDOW (Pillow's 64 KiB IDAT chunks).
FIRST_TAIL_WINDOW = 64 * 1024
TAIL_WINDOW = 256 * 1024
# IDAT-looking bytes in the window tried as a chain's start; real files have
# one or two, so more means the window is built to cost work.
MAX_TAIL_CANDIDATES = 64
# Metadata chunks are small; a larger body is read only this far (its text is
# cut to a few hundred characters anyway, and EXIF in JPEG fits in 64 KiB).
MAX_BODY_BYTES = 1024 * 1024


def png_chunks(source: BinaryIO, size: int, *, wanted: Collection[bytes]
               ) -> Iterator[tuple[bytes, bytes]]:
    """Each chunk's type and, for a `wanted` type, its body (else b""), in file order, to IEND.

    The image data is skipped where the tail allows: then the first IDAT
    chunk is followed by the chain found in the tail, the IDAT chunks between
    not listed. The iteration stops when the data ends or no header fits.
    """
    position = SIGNATURE_SIZE
    while True:
        header = _read_at(source, position, _HEADER.size)
        if len(header) < _HEADER.size:
            return
        length, kind = _HEADER.unpack(header)
        if kind == IMAGE_DATA and size - position > TAIL_WINDOW:
            chain = _tail_chain(source, size, FIRST_TAIL_WINDOW) or _tail_chain(
                source, size, TAIL_WINDOW)
            if chain is not None:
                yield kind, b""
                window, spans = chain
                for chunk_kind, start, end in spans:
                    yield chunk_kind, (window[start:end] if chunk_kind in wanted else b"")
                return
        body = b""
        if kind in wanted:
            body = _read_at(source, position + _HEADER.size, min(length, MAX_BODY_BYTES))
        yield kind, body
        if kind == END:
            return
        position += CHUNK_OVERHEAD + length


def _tail_chain(source: BinaryIO, size: int, length: int
                ) -> tuple[bytes, list[tuple[bytes, int, int]]] | None:
    """The last `length` bytes and the chunks (type, body span) from an IDAT there to IEND.

    None when the window holds no such chain. Every position is walked at most
    once across all candidates (a chain reaching a position already known to
    fail fails too), so a window built of IDAT-looking bytes costs linear work.
    """
    window = _read_at(source, size - length, length)
    if len(window) != length or not window.endswith(END_CHUNK):
        return None
    failed: set[int] = set()
    found = window.find(IMAGE_DATA, 4)
    for _ in range(MAX_TAIL_CANDIDATES):
        if found == -1:
            return None
        spans = _chain_from(window, found - 4, failed)
        if spans is not None:
            return window, spans
        found = window.find(IMAGE_DATA, found + 1)
    return None


def _chain_from(window: bytes, position: int, failed: set[int]
                ) -> list[tuple[bytes, int, int]] | None:
    spans: list[tuple[bytes, int, int]] = []
    visited: list[int] = []
    while position + CHUNK_OVERHEAD <= len(window) and position not in failed:
        visited.append(position)
        length, kind = _HEADER.unpack_from(window, position)
        body_start = position + _HEADER.size
        end = body_start + length + _CRC.size
        if end > len(window):
            break
        (crc,) = _CRC.unpack_from(window, end - _CRC.size)
        if zlib.crc32(memoryview(window)[position + 4 : end - _CRC.size]) != crc:
            break
        spans.append((kind, body_start, end - _CRC.size))
        if kind == END:
            if end == len(window):
                return spans
            break
        position = end
    failed.update(visited)
    return None


def _read_at(source: BinaryIO, offset: int, length: int) -> bytes:
    source.seek(offset)
    return source.read(length)
