"""Decrypting attachments on demand: a bounded prefix for inspection, or a stream for export."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import keys
from review.casefile.attachment_metadata import (
    FileMetadata,
    detect_type,
    inspect,
    inspect_seekable,
)
from review.workspace.models import StoredFile
from review.workspace.store import Workspace

# Metadata and inline previews read at most this much plaintext into memory;
# a larger file is offered only as a download.
MAX_INSPECT_BYTES = 32 * 1024 * 1024
STREAM_CHUNK = 64 * 1024
# Image types a browser may show inline. SVG is absent on purpose: it can carry script.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


@dataclass(frozen=True)
class Inspected:
    """An attachment's metadata, or why it was not inspected."""

    file: StoredFile
    metadata: FileMetadata | None
    problem: str = ""


def read_prefix(
    workspace: Workspace, file: StoredFile, *, identities: Sequence[keys.Identity], limit: int
) -> bytes:
    """Up to `limit` bytes of the plaintext (authenticated chunk by chunk as it is read)."""
    with (
        workspace.object_path(file.sha256).open("rb") as source,
        keys.decrypting(source, identities=identities) as reader,
    ):
        return reader.read(limit)


def inspect_file(
    workspace: Workspace, file: StoredFile, *, identities: Sequence[keys.Identity]
) -> Inspected:
    """Decrypt (in memory) and inspect one attachment, decrypting only what its type needs.

    The file is opened for random access (keys.open_seekable): its size is known,
    and authenticated, before any of it is read, and each type is read where its
    metadata is (a JPEG's first segments, a PNG's chunks around its image data,
    a PDF's trailer, Info objects, catalog and XMP, a TIFF's IFDs and the values
    they point to, a zip's tail), so a 25 MiB
    photo or a hostile 32 MiB archive costs a few chunks rather than the whole
    file. A HEIC is decrypted whole: libheif, which reads its boxes, reads from memory.
    Chunks that are read are authenticated; one that fails makes the file damaged.
    """
    try:
        with workspace.object_path(file.sha256).open("rb") as source:
            try:
                plain = keys.open_seekable(source, identities=identities)
            except keys.HeaderError:
                # Armor hides the chunk offsets: such a file is read as a stream.
                return _inspect_prefix(workspace, file, identities=identities)
            if plain.size > MAX_INSPECT_BYTES:
                return Inspected(file, None, "too_large")
            with io.BufferedReader(plain, buffer_size=STREAM_CHUNK) as reader:
                return Inspected(file, inspect_seekable(reader, plain.size))
    except keys.AgeError:
        return Inspected(file, None, "damaged")


def _inspect_prefix(
    workspace: Workspace, file: StoredFile, *, identities: Sequence[keys.Identity]
) -> Inspected:
    data = read_prefix(workspace, file, identities=identities, limit=MAX_INSPECT_BYTES + 1)
    if len(data) > MAX_INSPECT_BYTES:
        return Inspected(file, None, "too_large")
    return Inspected(file, inspect(data))


def inline_image(
    workspace: Workspace, file: StoredFile, *, identities: Sequence[keys.Identity]
) -> tuple[bytes, str] | None:
    """The plaintext and type of an image safe to show inline, else None."""
    data = read_prefix(workspace, file, identities=identities, limit=MAX_INSPECT_BYTES + 1)
    detected = detect_type(data)
    if len(data) > MAX_INSPECT_BYTES or detected not in INLINE_TYPES:
        return None
    return data, detected


def stream_plaintext(
    workspace: Workspace, file: StoredFile, *, identities: Sequence[keys.Identity]
) -> Iterator[bytes]:
    """The whole plaintext, chunk by chunk, never held in memory or written to disk here."""
    with (
        workspace.object_path(file.sha256).open("rb") as source,
        keys.decrypting(source, identities=identities) as reader,
    ):
        while chunk := reader.read(STREAM_CHUNK):
            yield chunk
