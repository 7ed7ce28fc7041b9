"""The sites the browser tests visit: intake served for real, and the quick exit's neutral site."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import keys

# Small limits so the 413 page is reachable with tiny files.
MAX_FILES = 3
# The limits of the `small_intake` fixture: 1 MiB in all, answers of 300 characters.
SMALL_UPLOAD_BYTES = 1 << 20
SMALL_TEXT_CHARS = 300


@dataclass(frozen=True)
class Intake:
    """intake served by `haven intake serve`, the reviewer who can read what it stores,
    and every place it could leave a trace: its data directory, its TMPDIR, its log."""

    url: str
    data_dir: Path
    reviewer: keys.X25519Identity | keys.HybridIdentity
    tmpdir: Path
    log: Path


@dataclass
class NeutralSite:
    """A throwaway local stand-in for the quick exit's neutral site, recording what it is sent."""

    url: str
    received: list[dict[str, str]] = field(default_factory=list)
