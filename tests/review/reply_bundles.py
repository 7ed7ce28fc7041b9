"""Reading a reply bundle as intake would, with nothing of review's writer: members in order."""

from __future__ import annotations

from pathlib import Path

from review.pickup.ustar import UstarReader


def members(bundle: Path) -> list[tuple[str, bytes]]:
    """(name, bytes) of every member, in archive order, through the strict ustar reader
    (which refuses pax, GNU and any header but a plain POSIX ustar regular file's)."""
    found = []
    with bundle.open("rb") as stream:
        reader = UstarReader(stream)
        while (header := reader.next()) is not None:
            found.append((header.name, reader.read(header.size)))
    return found
