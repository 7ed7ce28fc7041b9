"""intake/ustar_writer.py writes the bundle archive exactly as tarfile did."""

from __future__ import annotations

import io
import os
import tarfile

import pytest

from intake.ustar_writer import UstarWriter, member_header

# Names as the bundle has them (contracts/pickup.py), sizes around the block edges.
MEMBERS = [
    ("manifest.json", 2_471_145),
    ("manifest.json.sig", 0),
    ("submissions/" + "a" * 32 + "/report.age", 1),
    ("submissions/" + "b" * 32 + "/attachment-001.age", 511),
    ("submissions/" + "c" * 32 + "/attachment-002.age", 512),
    ("submissions/" + "d" * 32 + "/attachment-003.age", 513),
    ("submissions/" + "e" * 32 + "/attachment-020.age", 10 << 10),
    ("x" * 100, 7),
]


def _as_tarfile_wrote(members: list[tuple[str, bytes]]) -> bytes:
    # What intake/pickup.py wrote before: tarfile's USTAR, mode 0600, no owner, no time.
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o600
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


@pytest.mark.parametrize("count", [0, 1, 2, len(MEMBERS)])
def test_the_archive_is_byte_for_byte_what_tarfile_wrote(count: int) -> None:
    members = [(name, os.urandom(size)) for name, size in MEMBERS[:count]]
    out = io.BytesIO()
    writer = UstarWriter(out)
    for name, data in members:
        writer.add(name, io.BufferedReader(io.BytesIO(data)), len(data))
    writer.close()
    assert out.getvalue() == _as_tarfile_wrote(members)
    with tarfile.open(fileobj=io.BytesIO(out.getvalue())) as tar:
        assert [(m.name, m.size) for m in tar.getmembers()] == [
            (name, len(data)) for name, data in members
        ]


def test_a_source_shorter_than_its_size_is_an_error() -> None:
    with pytest.raises(OSError, match="unexpected end of data"):
        UstarWriter(io.BytesIO()).add("report.age", io.BytesIO(b"short"), 6)


@pytest.mark.parametrize(("name", "size"), [("", 1), ("x" * 101, 1), ("a", -1), ("a", 8**11)])
def test_what_a_ustar_header_cannot_hold_is_refused(name: str, size: int) -> None:
    with pytest.raises(ValueError):
        member_header(name, size)
