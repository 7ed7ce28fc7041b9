"""The age testkit vectors vendored in testdata/testkit: where they are and how to read one."""

from __future__ import annotations

from pathlib import Path

TESTKIT = Path(__file__).parent / "testdata" / "testkit"


def load(path: Path) -> tuple[dict[str, list[str]], bytes]:
    """The vector's metadata (each key may repeat) and its age file."""
    raw = path.read_bytes()
    head, _, body = raw.partition(b"\n\n")
    meta: dict[str, list[str]] = {}
    for line in head.decode("utf-8").splitlines():
        key, _, value = line.partition(": ")
        meta.setdefault(key, []).append(value)
    return meta, body
