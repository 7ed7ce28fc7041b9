"""Import: verified against the manifest, idempotent, all or nothing against hostile bundles."""

from __future__ import annotations

import gzip
import hashlib
import json
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from keys.signing import PICKUP_NAMESPACE, SigningKey
from review.errors import BundleError
from review.pickup.importer import import_bundle
from review.pickup.reader import Limits
from review.workspace import audit
from review.workspace.models import AuditEntry, StoredFile
from review.workspace.models import Submission as SubmissionRow
from review.workspace.store import OBJECTS_DIR, Workspace
from tests.review.bundles import (
    INTAKE_KEY,
    BundleWriter,
    add_file,
    encrypted_submission,
    link_member,
)
from tests.review.reviewers import Reviewer


@pytest.fixture
def writer(alice: Reviewer) -> BundleWriter:
    """An honest bundle of two submissions, one with an attachment."""
    first = encrypted_submission({"narrative": "followed"}, recipients=[alice.recipient],
                                 attachments=[("a.jpg", "image/jpeg", b"\xff\xd8\xff rest")])
    second = encrypted_submission({"narrative": "called"}, recipients=[alice.recipient])
    return BundleWriter([first, second])


def _counts(workspace: Workspace) -> tuple[int, int, int]:
    with workspace.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(SubmissionRow)) or 0,
            session.scalar(select(func.count()).select_from(StoredFile)) or 0,
            session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
        )


def _objects(workspace: Workspace) -> list[Path]:
    return [p for p in (workspace.root / OBJECTS_DIR).rglob("*") if p.is_file()]


def test_import_stores_every_file_verified(workspace: Workspace, writer: BundleWriter,
                                           tmp_path: Path) -> None:
    seen: list[int] = []
    result = import_bundle(workspace, writer.write(tmp_path / "b.tar"), actor="t",
                           progress=seen.append)
    assert (result.added, result.already_present) == (2, 0)
    assert _counts(workspace) == (2, 3, 1)
    assert sum(seen) == sum(len(d) for s in writer.submissions for _, _, d in s.files)
    for path in _objects(workspace):
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name
    assert list(workspace.staging_dir().iterdir()) == []


def test_import_reports_the_declared_total_before_any_progress(
        workspace: Workspace, writer: BundleWriter, tmp_path: Path) -> None:
    # What the bar of `haven review import` shows as "verified/total MB".
    events: list[tuple[str, int]] = []
    import_bundle(workspace, writer.write(tmp_path / "b.tar"), actor="t",
                  progress=lambda n: events.append(("advance", n)),
                  total=lambda n: events.append(("total", n)))
    declared = sum(len(d) for s in writer.submissions for _, _, d in s.files)
    assert events[0] == ("total", declared)
    assert [kind for kind, _ in events[1:]] == ["advance"] * (len(events) - 1)
    assert sum(n for _, n in events[1:]) == declared


def test_importing_the_same_bundle_twice_adds_nothing(workspace: Workspace, writer: BundleWriter,
                                                      tmp_path: Path) -> None:
    bundle = writer.write(tmp_path / "b.tar")
    import_bundle(workspace, bundle, actor="t")
    before = (_counts(workspace), sorted(_objects(workspace)))
    again = import_bundle(workspace, bundle, actor="t")
    assert (again.added, again.already_present) == (0, 2)
    assert (_counts(workspace), sorted(_objects(workspace))) == before


def test_same_submission_with_other_ciphertext_is_refused(
    workspace: Workspace, writer: BundleWriter, alice: Reviewer, tmp_path: Path
) -> None:
    import_bundle(workspace, writer.write(tmp_path / "b.tar"), actor="t")
    forged = encrypted_submission({"narrative": "forged"}, recipients=[alice.recipient])
    forged.id = writer.submissions[0].id
    with pytest.raises(BundleError, match="already imported with different files"):
        import_bundle(workspace, BundleWriter([forged]).write(tmp_path / "f.tar"), actor="t")
    assert _counts(workspace) == (2, 3, 1)


def _signed(manifest: bytes) -> list[tuple[str, bytes]]:
    """manifest.json and a valid signature over it by the pinned test intake key."""
    signature = INTAKE_KEY.sign(manifest, namespace=PICKUP_NAMESPACE).encode()
    return [("manifest.json", manifest), ("manifest.json.sig", signature)]


def _hostile(writer: BundleWriter, tmp_path: Path, variant: str) -> Path:
    members = writer.members()
    path = tmp_path / f"{variant}.tar"
    first_member = members[2][0]
    if variant == "traversal":
        return writer.write(path, [*members, ("submissions/../../evil.age", b"x")])
    if variant == "absolute":
        return writer.write(path, [*members, ("/tmp/evil.age", b"x")])
    if variant == "backslash":
        return writer.write(path, [*members, ("submissions\\evil.age", b"x")])
    if variant == "symlink":
        return writer.write(path, members[:1], [link_member(first_member, "/etc/passwd")])
    if variant == "hardlink":
        return writer.write(path, members, [link_member("submissions/x/report.age", first_member,
                                                        hard=True)])
    if variant == "duplicate":
        return writer.write(path, [*members, members[1]])
    if variant == "unlisted":
        return writer.write(path, [*members, (f"submissions/{'a' * 32}/report.age", b"x")])
    if variant == "missing":
        return writer.write(path, members[:-1])
    if variant == "size_lie":
        name, data = members[2]
        return writer.write(path, [*members[:2], (name, data + b"more"), *members[3:]])
    if variant == "hash_lie":
        name, data = members[2]
        flipped = data[:-1] + bytes([data[-1] ^ 1])
        return writer.write(path, [*members[:2], (name, flipped), *members[3:]])
    if variant == "manifest_not_first":
        return writer.write(path, [*members[1:], members[0]])
    if variant == "unknown_version":
        manifest = writer.manifest() | {"version": 5}
        return writer.write(path, [*_signed(json.dumps(manifest).encode()), *members[2:]])
    if variant == "bad_id":
        manifest = writer.manifest()
        manifest["submissions"][0]["id"] = "../../etc"
        return writer.write(path, [*_signed(json.dumps(manifest).encode()), *members[2:]])
    if variant == "not_json":
        return writer.write(path, [*_signed(b"{not json"), *members[2:]])
    if variant in ("follows_itself", "follows_garbage"):
        manifest = writer.manifest()
        entry = manifest["submissions"][0]
        entry["follows"] = entry["id"] if variant == "follows_itself" else "../x"
        return writer.write(path, [*_signed(json.dumps(manifest).encode()), *members[2:]])
    if variant == "week_date":
        manifest = writer.manifest() | {"created_day": "2025-W11-5"}
        return writer.write(path, [*_signed(json.dumps(manifest).encode()), *members[2:]])
    if variant == "bad_reply_recipient":
        manifest = writer.manifest()
        manifest["submissions"][0]["reply_recipient"] = "age1notarecipient"
        return writer.write(path, [*_signed(json.dumps(manifest).encode()), *members[2:]])
    if variant == "deep_manifest":
        return writer.write(path, [*_signed(b"[" * 100_000 + b"]" * 100_000), *members[2:]])
    if variant == "unsigned":
        return writer.write(path, [members[0], *members[2:]])
    if variant == "unsigned_v1":
        manifest = writer.manifest() | {"version": 1}
        return writer.write(path, [("manifest.json", json.dumps(manifest).encode()),
                                   *members[2:]])
    if variant == "signature_not_second":
        return writer.write(path, [members[0], *members[2:], members[1]])
    if variant == "signature_garbage":
        return writer.write(path, [members[0], ("manifest.json.sig", b"\xff" * 300),
                                   *members[2:]])
    if variant == "signature_of_other_manifest":
        other = _signed(b'{"format": "haven-pickup"}')[1]
        return writer.write(path, [members[0], other, *members[2:]])
    if variant == "signed_by_unpinned_key":
        # Its other members climb out of the staging directory: the signature
        # check must refuse the bundle before any of them is even looked at.
        forged = BundleWriter(writer.submissions, signing_key=SigningKey.generate())
        return forged.write(path, [*forged.members(), ("../../evil.age", b"x")])
    if variant == "gzip":
        raw = writer.write(tmp_path / "plain.tar")
        path.write_bytes(gzip.compress(raw.read_bytes()))
        return path
    if variant == "not_tar":
        path.write_bytes(b"this is not a tar archive at all" * 40)
        return path
    if variant == "truncated":
        raw = writer.write(tmp_path / "plain.tar")
        with tarfile.open(raw) as archive:
            last = archive.getmembers()[-1]
        # Cut inside the last member's data, not in the archive's zero padding.
        path.write_bytes(raw.read_bytes()[: last.offset_data + 10])
        return path
    if variant == "empty":
        return writer.write(path, [])
    raise AssertionError(variant)


HOSTILE = [
    ("traversal", "climbs out"), ("absolute", "absolute"), ("backslash", "backslash"),
    ("symlink", "link"), ("hardlink", "link"), ("duplicate", "appears twice"),
    ("unlisted", "not listed"), ("missing", "not in the bundle"), ("size_lie", "manifest says"),
    ("hash_lie", "sha256"), ("manifest_not_first", "first member"),
    ("unknown_version", "version 5"), ("bad_id", "32 lower-case hex"), ("not_json", "JSON"),
    ("follows_itself", "follows itself"), ("follows_garbage", "follows"),
    ("week_date", "YYYY-MM-DD"), ("bad_reply_recipient", "reply_recipient"),
    ("deep_manifest", "JSON"), ("unsigned", "unsigned bundle is refused"),
    ("unsigned_v1", "version 1 pickup bundle, which is unsigned"),
    ("signature_not_second", "second member must be manifest.json.sig"),
    ("signature_garbage", "not an SSH signature"),
    ("signature_of_other_manifest", "not made by a pinned intake key"),
    ("signed_by_unpinned_key", "expected SHA256:"),
    ("gzip", "tar"), ("not_tar", "tar"), ("truncated", "truncated|tar"), ("empty", "empty"),
]


@pytest.mark.parametrize(("variant", "message"), HOSTILE)
def test_hostile_bundle_is_refused_whole(workspace: Workspace, writer: BundleWriter,
                                         tmp_path: Path, variant: str, message: str) -> None:
    bundle = _hostile(writer, tmp_path, variant)
    with pytest.raises(BundleError, match=message):
        import_bundle(workspace, bundle, actor="t")
    assert _counts(workspace) == (0, 0, 0)
    assert _objects(workspace) == []
    assert list(workspace.staging_dir().iterdir()) == []
    assert not (tmp_path / "evil.age").exists()


def test_oversized_member_is_refused_unread(workspace: Workspace, writer: BundleWriter,
                                            tmp_path: Path) -> None:
    bundle = writer.write(tmp_path / "b.tar")
    with pytest.raises(BundleError, match="oversized"):
        import_bundle(workspace, bundle, actor="t", limits=Limits(max_member_bytes=16))
    assert _counts(workspace) == (0, 0, 0)


def test_failed_import_leaves_earlier_imports_and_audit_intact(
    workspace: Workspace, writer: BundleWriter, alice: Reviewer, tmp_path: Path
) -> None:
    import_bundle(workspace, writer.write(tmp_path / "good.tar"), actor="t")
    other = BundleWriter([encrypted_submission({"n": "x"}, recipients=[alice.recipient])])
    members = other.members()
    with pytest.raises(BundleError):
        import_bundle(workspace, other.write(tmp_path / "bad.tar", members[:1]), actor="t")
    assert _counts(workspace) == (2, 3, 1)
    with workspace.sessions() as session:
        assert audit.verify(session).intact


@pytest.mark.parametrize("header_format", [tarfile.USTAR_FORMAT, tarfile.PAX_FORMAT],
                         ids=["ustar", "pax-writer"])
def test_bundles_tarfile_writes_as_plain_ustar_import(workspace: Workspace, writer: BundleWriter,
                                                      tmp_path: Path, header_format: int) -> None:
    # Intake writes with PAX_FORMAT; with ASCII names this short it emits no pax header.
    bundle = tmp_path / "b.tar"
    with tarfile.open(bundle, "w", format=header_format) as archive:
        for name, data in writer.members():
            add_file(archive, name, data)
    assert import_bundle(workspace, bundle, actor="t").added == 2


def test_a_bundle_id_never_brings_new_submissions_twice(
    workspace: Workspace, writer: BundleWriter, alice: Reviewer, tmp_path: Path
) -> None:
    """A reused id would file new cases under the earlier bundle's signer, hiding what
    another (perhaps stolen) key brought in; intake never reuses one, so it is refused."""
    import_bundle(workspace, writer.write(tmp_path / "first.tar"), actor="t")
    before = (_counts(workspace), sorted(_objects(workspace)))
    planted = encrypted_submission({"narrative": "planted"}, recipients=[alice.recipient])
    reused = BundleWriter([*writer.submissions, planted], bundle_id=writer.bundle_id)
    with pytest.raises(BundleError, match="never reused"):
        import_bundle(workspace, reused.write(tmp_path / "reused.tar"), actor="t")
    assert (_counts(workspace), sorted(_objects(workspace))) == before


def test_a_version_2_bundle_imports_as_first_reports(workspace: Workspace, writer: BundleWriter,
                                                     tmp_path: Path) -> None:
    """Bundles written before follow-ups (no `follows`) are still read."""
    members = writer.members()
    manifest = writer.manifest() | {"version": 2}
    for entry in manifest["submissions"]:
        del entry["follows"]
    bundle = writer.write(tmp_path / "v2.tar", [*_signed(json.dumps(manifest).encode()),
                                                *members[2:]])
    result = import_bundle(workspace, bundle, actor="alice")
    assert result.added == len(manifest["submissions"])
