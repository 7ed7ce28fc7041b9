"""The strict ustar reader bundles are read with: what tarfile writes is read, the rest refused."""

from __future__ import annotations

import io
import tarfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from keys.signing import SigningKey
from review.cli import review_group
from review.errors import BundleError
from review.pickup.importer import import_bundle
from review.pickup.ustar import BLOCK_SIZE, MemberHeader, UstarReader, parse_header
from review.workspace.store import Workspace
from tests.review.bundles import BundleWriter

# The outside review's reproduction: CPython before 3.11.10 spends minutes in
# its pax parsing of this (CVE-2024-6232), which must never see it.
STALLING_DIGITS = 120_000


def _header(info: tarfile.TarInfo, header_format: int = tarfile.USTAR_FORMAT) -> bytes:
    return info.tobuf(header_format, "utf-8", "strict")


def _regular(name: str, size: int = 0) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    return info


def _with_field(block: bytes, offset: int, value: bytes) -> bytes:
    """`block` with one field overwritten and its checksum made right again."""
    changed = bytearray(block)
    changed[offset:offset + len(value)] = value
    changed[148:156] = b" " * 8
    changed[148:156] = b"%06o\x00 " % sum(changed)
    return bytes(changed)


def _archive(*members: tuple[tarfile.TarInfo, bytes]) -> bytes:
    out = b""
    for info, data in members:
        out += _header(info) + data + bytes(-len(data) % BLOCK_SIZE)
    return out + bytes(2 * BLOCK_SIZE)


def _pax_record(key: str, value: str) -> bytes:
    """One "length key=value\\n" record; the length counts its own digits."""
    body = f" {key}={value}\n".encode()
    length = len(body) + len(str(len(body)))
    length += len(str(length)) - len(str(len(body)))
    return str(length).encode() + body


def _stalling_bundle(path: Path) -> Path:
    """An unsigned bundle whose first header is the reproduction's pax header."""
    records = (_pax_record("GNU.sparse.size", "1")
               + _pax_record("comment", "1" * STALLING_DIGITS))
    extended = tarfile.TarInfo("././@PaxHeader")
    extended.type = tarfile.XHDTYPE
    extended.size = len(records)
    manifest = b"{}"
    path.write_bytes(_header(extended) + records + bytes(-len(records) % BLOCK_SIZE)
                     + _archive((_regular("manifest.json", len(manifest)), manifest)))
    return path


@pytest.mark.parametrize("size", [0, 1, BLOCK_SIZE - 1, BLOCK_SIZE, BLOCK_SIZE + 1, 100_000])
@pytest.mark.parametrize("header_format", [tarfile.USTAR_FORMAT, tarfile.PAX_FORMAT],
                         ids=["ustar", "pax-writer"])
def test_what_tarfile_writes_is_read_back(size: int, header_format: int) -> None:
    # Intake writes with tarfile's PAX_FORMAT, which emits plain ustar headers
    # whenever the names and sizes fit them, as a bundle's always do.
    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=header_format) as tar:
        for name in ("first", "second"):
            tar.addfile(_regular(name, size), io.BytesIO(data))
    reader = UstarReader(io.BytesIO(out.getvalue()))
    first = reader.next()
    assert first == MemberHeader("first", size)
    assert reader.read(size + 1) == data
    # The rest of a member need not be read: the next header is found all the same.
    assert reader.next() == MemberHeader("second", size)
    assert reader.next() is None


def test_a_long_name_is_joined_from_the_prefix_field() -> None:
    name = "submissions/" + "d" * 120 + "/report.age"
    assert parse_header(_header(_regular(name, 3))) == MemberHeader(name, 3)


@pytest.mark.parametrize(("typeflag", "kind"), [
    (tarfile.XHDTYPE, "pax extended header"), (tarfile.XGLTYPE, "pax global header"),
    (tarfile.SOLARIS_XHDTYPE, "Solaris extended header"),
    (tarfile.GNUTYPE_LONGNAME, "GNU long name header"),
    (tarfile.GNUTYPE_LONGLINK, "GNU long link header"), (tarfile.GNUTYPE_SPARSE, "sparse file"),
    (tarfile.LNKTYPE, "hard link"), (tarfile.SYMTYPE, "symbolic link"),
    (tarfile.DIRTYPE, "directory"), (tarfile.FIFOTYPE, "FIFO"),
    (tarfile.CONTTYPE, "contiguous file"), (b"Z", "unknown type"),
])
def test_every_header_but_a_regular_file_is_refused(typeflag: bytes, kind: str) -> None:
    block = _with_field(_header(_regular("member")), 156, typeflag)
    with pytest.raises(BundleError, match=kind):
        parse_header(block)


@pytest.mark.parametrize(("offset", "value", "refusal"), [
    (257, b"ustar  \x00", "POSIX ustar"),
    # GNU's base-256 size, the one way a size field could exceed its 11 digits.
    (124, b"\x80" + bytes(7) + b"\x00\x00\x00\x01", "not an octal number"),
    (124, b"0000000009\x00\x00", "not an octal number"),
    (0, b"manifest.json\x00.sig", "holds a NUL"),
    (0, b"\xff\xfe", "not UTF-8"),
])
def test_a_malformed_field_is_refused(offset: int, value: bytes, refusal: str) -> None:
    block = _with_field(_header(_regular("manifest.json", 10)), offset, value)
    with pytest.raises(BundleError, match=refusal):
        parse_header(block)


def test_a_wrong_checksum_is_refused() -> None:
    block = bytearray(_header(_regular("manifest.json", 10)))
    block[0] ^= 1
    with pytest.raises(BundleError, match="checksum"):
        parse_header(bytes(block))


def test_a_cut_archive_is_refused() -> None:
    whole = _archive((_regular("a", 600), b"x" * 600))
    reader = UstarReader(io.BytesIO(whole[:BLOCK_SIZE + 100]))
    assert reader.next() == MemberHeader("a", 600)
    with pytest.raises(BundleError, match="'a' is truncated"):
        reader.read(600)
    without_end = UstarReader(io.BytesIO(whole[:-2 * BLOCK_SIZE]))
    without_end.next()
    with pytest.raises(BundleError, match="truncated"):
        without_end.next()


def test_a_member_hidden_after_one_zero_block_is_refused() -> None:
    hidden = _header(_regular("hidden", 0))
    reader = UstarReader(io.BytesIO(bytes(BLOCK_SIZE) + hidden + bytes(2 * BLOCK_SIZE)))
    with pytest.raises(BundleError, match="after its end-of-archive block"):
        reader.next()


def test_the_stalling_pax_header_is_refused_at_its_block(tmp_path: Path) -> None:
    with _stalling_bundle(tmp_path / "stall.tar").open("rb") as stream:
        with pytest.raises(BundleError, match="pax extended header"):
            UstarReader(stream).next()
        # Refused from its one header block: not a byte of the pax records was read.
        assert stream.tell() == BLOCK_SIZE


def test_no_member_after_the_signature_is_parsed_before_it_is_checked(
    workspace: Workspace, tmp_path: Path
) -> None:
    # Signed by a key nobody pinned, and followed by a header the reader would
    # refuse: the signature is what refuses it, so that header was never read.
    forged = BundleWriter([], signing_key=SigningKey.generate())
    signed = _archive(*((_regular(name, len(data)), data) for name, data in forged.members()))
    stalling = _stalling_bundle(tmp_path / "stall.tar").read_bytes()
    bundle = tmp_path / "forged.tar"
    bundle.write_bytes(signed[:-2 * BLOCK_SIZE] + stalling)
    with pytest.raises(BundleError, match="not made by a pinned intake key"):
        import_bundle(workspace, bundle, actor="t")


def test_import_refuses_the_stalling_bundle_at_once_and_releases_the_lock(
    workspace: Workspace, tmp_path: Path
) -> None:
    bundle = _stalling_bundle(tmp_path / "stall.tar")
    assert bundle.stat().st_size > 120_000
    started = time.monotonic()
    result = CliRunner().invoke(
        review_group, ["import", str(bundle), "--workspace", str(workspace.root)])
    elapsed = time.monotonic() - started
    # tarfile took minutes; the bound only has to tell that from a refusal at the first block.
    assert elapsed < 5, f"the import took {elapsed:.1f} s to refuse the bundle"
    assert result.exit_code == 1 and "pax extended header" in result.output, result.output
    with workspace.import_lock():
        pass
