"""Attachments built to be expensive: their work bounded before parsing, and done once a session."""

from __future__ import annotations

import hashlib
import io
import secrets
import struct
import time
import zipfile
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

import keys
from review.casefile import inspections
from review.casefile.attachment_metadata import (
    MAX_ARCHIVE_ENTRIES,
    MAX_CENTRAL_DIRECTORY_BYTES,
    TYPE_PREFIX_BYTES,
    inspect,
    inspect_seekable,
)
from review.casefile.attachments import MAX_INSPECT_BYTES, Inspected, inspect_file
from review.casefile.zip_directory import TAIL_SIZE, NoEndRecord, central_directory
from review.pickup.importer import import_bundle
from review.workspace.models import AuditEntry, StoredFile
from review.workspace.store import Workspace
from tests.review.bundles import BundleWriter, encrypted_submission
from tests.review.forms import unlock
from tests.review.hostile_zips import end_records, lying_zip, many_entry_zip
from tests.review.large_attachments import CountingFile
from tests.review.reviewers import Reviewer

# The review's reproduction: 32 MiB of central directory, 680,000 entries,
# which zipfile took 6-8 s and 340 MB to index before any budget was checked.
DIRECTORY_BOMB_ENTRIES = 680_000
TOO_MANY = ("Note", "too many entries to inspect")


@pytest.fixture(scope="module")
def directory_bomb() -> bytes:
    """A valid zip of 680,000 central-directory entries, just within the inspection limit."""
    return many_entry_zip(DIRECTORY_BOMB_ENTRIES)


def test_a_directory_bomb_is_refused_before_zipfile_indexes_it(directory_bomb: bytes) -> None:
    assert len(directory_bomb) <= MAX_INSPECT_BYTES
    started = time.perf_counter()
    meta = inspect(directory_bomb)
    elapsed = time.perf_counter() - started
    print(f"a {len(directory_bomb) >> 20} MiB zip of {DIRECTORY_BOMB_ENTRIES} entries: "
          f"{elapsed * 1e3:.2f} ms")
    assert TOO_MANY in meta.fields and meta.incomplete
    assert elapsed < 1.0


@pytest.mark.parametrize(
    ("archive", "refused"),
    [
        pytest.param(many_entry_zip(MAX_ARCHIVE_ENTRIES), False, id="entries-at-bound"),
        pytest.param(many_entry_zip(MAX_ARCHIVE_ENTRIES + 1), True, id="entries-over-bound"),
        pytest.param(lying_zip(1, MAX_CENTRAL_DIRECTORY_BYTES), False, id="size-at-bound"),
        pytest.param(lying_zip(1, MAX_CENTRAL_DIRECTORY_BYTES + 1), True, id="size-over-bound"),
        pytest.param(lying_zip(0xFFFF, 100), True, id="claims-65535"),
        pytest.param(lying_zip(1, 0xFFFFFFFF), True, id="claims-4-GiB"),
        pytest.param(lying_zip(DIRECTORY_BOMB_ENTRIES, 32 << 20), True, id="zip64-claims-680000"),
        pytest.param(lying_zip(1, 1 << 62, zip64=True), True, id="zip64-claims-huge-size"),
    ],
)
def test_archives_over_the_bounds_are_not_opened(archive: bytes, refused: bool) -> None:
    meta = inspect(archive)
    assert (TOO_MANY in meta.fields) is refused
    if refused:
        assert meta.incomplete


def _with_comment(comment: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("docProps/core.xml", "<dc:creator>Jane</dc:creator>")
        archive.comment = comment
    return buffer.getvalue()


# A real record in the comment, then one claiming a huge directory, and so on:
# whatever the bytes, the record checked must be the one zipfile goes on to use.
_FAKE_END = end_records(0xFFFF, 0xFFFFFFFF, 0)
ARCHIVES = {
    "good_small": many_entry_zip(3),
    "good_zip64": many_entry_zip(70_000),
    "good_comment": _with_comment(b"written by a phone"),
    "good_comment_holding_an_end_record": _with_comment(b"x" + _FAKE_END + b"y"),
    "good_trailing_bytes": many_entry_zip(3) + b"\x00" * 1000,
    "fail_lying_zip64": lying_zip(DIRECTORY_BOMB_ENTRIES, 32 << 20),
    "fail_locator_without_record": lying_zip(1, 10)[:-22]
    + struct.pack("<4sIQI", b"PK\x06\x07", 0, 0, 1) + lying_zip(1, 10)[-22:],
    "fail_end_record_cut_short": many_entry_zip(3)[:-5],
    "fail_end_record_beyond_the_comment_window": many_entry_zip(3) + b"\x00" * 70_000,
    "fail_tiny": b"PK\x05\x06",
}


@pytest.mark.parametrize("name", ARCHIVES)
def test_the_end_record_checked_is_the_one_zipfile_reads(name: str) -> None:
    data = ARCHIVES[name]
    # zipfile's own finder, private and used here only to hold the two in step.
    theirs = zipfile._EndRecData(io.BytesIO(data))  # type: ignore[attr-defined]
    if theirs is None:
        with pytest.raises(NoEndRecord):
            central_directory(data)
        return
    ours = central_directory(data)
    assert (ours.entries, ours.size) == (theirs[4], theirs[5])


def _tiny_segment_jpeg() -> bytes:
    return b"\xff\xd8" + b"\xff\xe0\x00\x02" * (MAX_INSPECT_BYTES // 4 - 1)


def _tiny_chunk_png() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + (b"\x00\x00\x00\x00abcd\x00\x00\x00\x00") * (
        MAX_INSPECT_BYTES // 12 - 1)


def _unclosed_string_pdf() -> bytes:
    return b"%PDF-1.7\n" + (b"/Author(" + b"a" * 299) * (MAX_INSPECT_BYTES // 307 - 1)


@pytest.mark.parametrize("build", [_tiny_segment_jpeg, _tiny_chunk_png, _unclosed_string_pdf],
                         ids=["jpeg-tiny-segments", "png-tiny-chunks", "pdf-unclosed-strings"])
def test_hostile_images_and_pdfs_are_bounded_up_front(build: object) -> None:
    assert callable(build)
    data = build()
    started = time.perf_counter()
    meta = inspect(data)
    elapsed = time.perf_counter() - started
    print(f"{meta.detected_type}, {len(data) >> 20} MiB: {elapsed * 1e3:.1f} ms")
    # The 2 s budget used to be the only bound: each such file cost all of it.
    assert meta.incomplete
    assert elapsed < 1.0


# The case-view test's attachments: 150,000 entries each (7 MiB), which
# zipfile alone took over a second to index, twenty times per view.
CASE_BOMB_ENTRIES = 150_000
HOSTILE_ATTACHMENTS = 20


def test_a_case_of_twenty_hostile_zips_is_inspected_once_and_shows_quickly(
    client: FlaskClient, alice: Reviewer, workspace: Workspace, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bomb = many_entry_zip(CASE_BOMB_ENTRIES)
    liar = lying_zip(DIRECTORY_BOMB_ENTRIES, 32 << 20)
    files = [(f"report-{n}.docx", "application/vnd.openxmlformats", bomb if n % 2 else liar)
             for n in range(HOSTILE_ATTACHMENTS)]
    case = encrypted_submission({"narrative": "see attached"}, recipients=[alice.recipient],
                                attachments=files)
    import_bundle(workspace, BundleWriter([case]).write(tmp_path / "b.tar"), actor="test")
    calls: list[str] = []

    def counting(*args: object, **kwargs: object) -> Inspected:
        calls.append("inspect")
        return inspect_file(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(inspections, "inspect_file", counting)
    assert unlock(client, alice) == 302
    timings = []
    for _ in range(2):
        started = time.perf_counter()
        page = client.get(f"/case/{case.id}")
        timings.append(time.perf_counter() - started)
        assert page.status_code == 200
        assert page.get_data(as_text=True).count("too many entries to inspect") == 20
    print(f"case view with {HOSTILE_ATTACHMENTS} hostile zips: first {timings[0]:.3f} s, "
          f"second {timings[1]:.3f} s")
    assert len(calls) == HOSTILE_ATTACHMENTS  # the second view inspected nothing
    assert timings[0] < 10.0 and timings[1] < 1.0
    with workspace.sessions() as session:
        views = [e.detail for e in session.scalars(select(AuditEntry)) if e.action == "view"]
    assert views == [f"report and 20 attachments shown, {n} attachments decrypted to inspect them"
                     for n in (20, 0)]


def test_a_zip_is_inspected_from_its_tail(directory_bomb: bytes) -> None:
    source = CountingFile(directory_bomb)
    meta = inspect_seekable(source, len(directory_bomb))
    assert TOO_MANY in meta.fields
    # The type's few bytes and the end-record window; none of the 32 MiB before it.
    assert source.bytes_read <= TYPE_PREFIX_BYTES + TAIL_SIZE


def test_an_office_file_is_read_from_its_tail_and_directory() -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("word/media/video.bin", b"\x00" * (8 << 20))
        out.writestr("docProps/core.xml", b"<dc:creator>Jane</dc:creator>")
    data = archive.getvalue()
    source = CountingFile(data)
    meta = inspect_seekable(source, len(data))
    assert ("Author", "Jane") in meta.fields
    assert meta.fields == inspect(data).fields
    assert source.bytes_read < 1 << 20


def _stored(workspace: Workspace, ciphertext: bytes) -> StoredFile:
    digest = hashlib.sha256(ciphertext).hexdigest()
    path = workspace.object_path(digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(ciphertext)
    return StoredFile(name="attachment-001.age", kind="attachment", size=len(ciphertext),
                      sha256=digest)


SEALED_CHUNK = (64 << 10) + 16


def _flip_chunk(ciphertext: bytes, plain_size: int, index: int) -> bytes:
    """`ciphertext` with one byte flipped inside payload chunk `index` (negative: from the end)."""
    chunks = -(-plain_size // (64 << 10)) or 1
    payload_start = len(ciphertext) - plain_size - 16 * chunks
    damaged = bytearray(ciphertext)
    damaged[payload_start + (index % chunks) * SEALED_CHUNK + 10] ^= 0x01
    return bytes(damaged)


def test_inspecting_a_hostile_zip_decrypts_only_its_tail(
    workspace: Workspace, alice: Reviewer, directory_bomb: bytes,
) -> None:
    ciphertext = keys.encrypt(directory_bomb, recipients=[alice.recipient])
    # A chunk in the middle is damaged: had it been decrypted, the file would be.
    size = len(directory_bomb)
    middle = _stored(workspace, _flip_chunk(ciphertext, size, 100))
    found = inspect_file(workspace, middle, identities=[alice.identity])
    assert found.problem == "" and found.metadata is not None
    assert TOO_MANY in found.metadata.fields
    # The tail (the last two chunks hold the end-record window) is read, and authenticated.
    tail = _stored(workspace, _flip_chunk(ciphertext, size, -2))
    assert inspect_file(workspace, tail, identities=[alice.identity]).problem == "damaged"


def test_a_damaged_member_chunk_is_damaged_not_unreadable(
    workspace: Workspace, alice: Reviewer,
) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as out:
        # Chunk 0 (the type), chunk 2 (the member) and the tail (the directory)
        # are each read by a different step.
        out.writestr("word/media/a.bin", secrets.token_bytes(2 * SEALED_CHUNK))
        out.writestr("docProps/core.xml", b"<dc:creator>Jane</dc:creator>")
        out.writestr("word/media/b.bin", secrets.token_bytes(3 * SEALED_CHUNK))
    plain = archive.getvalue()
    ciphertext = keys.encrypt(plain, recipients=[alice.recipient])
    whole = inspect_file(workspace, _stored(workspace, ciphertext), identities=[alice.identity])
    assert whole.metadata is not None and ("Author", "Jane") in whole.metadata.fields
    # Failing the member's chunk is damage, not the "unreadable archive member"
    # that catching zipfile's own errors would make of it.
    member = _stored(workspace, _flip_chunk(ciphertext, len(plain), 2))
    assert inspect_file(workspace, member, identities=[alice.identity]).problem == "damaged"


def test_an_armored_attachment_is_still_inspected(workspace: Workspace, alice: Reviewer) -> None:
    data = b"%PDF-1.7\n/Author (Jane)"
    ciphertext = keys.encrypt(data, recipients=[alice.recipient], armor=True)
    found = inspect_file(workspace, _stored(workspace, ciphertext), identities=[alice.identity])
    assert found.metadata is not None and found.metadata.fields == [("Author", "Jane")]
