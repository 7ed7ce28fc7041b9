"""Import against disk exhaustion and crashes; removal; pinning; concurrent audit appends."""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import subprocess
import tarfile
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

import keys
from contracts.report import MAX_REPORT_BYTES
from keys.signing import PICKUP_NAMESPACE, SigningKey
from review.cli import review_group
from review.errors import BundleError, WorkspaceError
from review.pickup.importer import import_bundle
from review.pickup.reader import Limits
from review.pickup.removal import remove_submission
from review.workspace import audit
from review.workspace.models import AuditEntry, StoredFile, Submission
from review.workspace.store import DATABASE_NAME, Workspace
from tests.review import bundles
from tests.review.bundles import INTAKE_KEY, BundleWriter, encrypted_submission
from tests.review.reviewers import Reviewer
from tests.support import WAIT_SECONDS, require_program


@pytest.fixture
def writer(alice: Reviewer) -> BundleWriter:
    """An honest bundle of one submission with an attachment."""
    return BundleWriter([encrypted_submission(
        {"narrative": "followed"}, recipients=[alice.recipient],
        attachments=[("a.jpg", "image/jpeg", b"\xff\xd8\xff rest")])])


def _sparse_bundle(writer: BundleWriter, path: Path, pax: bool) -> Path:
    """The honest ustar bundle, with its report written as a sparse member (GNU or pax 0.1)."""
    blocks = []
    for name, data in writer.members():
        info = tarfile.TarInfo(name)
        info.size = len(data)
        header_format = tarfile.USTAR_FORMAT
        if name.endswith("report.age"):
            if pax:
                header_format = tarfile.PAX_FORMAT
                info.pax_headers = {"GNU.sparse.map": f"0,{len(data)}",
                                    "GNU.sparse.size": str(len(data))}
            else:
                header_format = tarfile.GNU_FORMAT
                info.type = tarfile.GNUTYPE_SPARSE
        blocks.append(info.tobuf(header_format, "utf-8", "strict"))
        blocks.append(data + bytes(-len(data) % tarfile.BLOCKSIZE))
    path.write_bytes(b"".join(blocks) + bytes(2 * tarfile.BLOCKSIZE))
    return path


@pytest.mark.parametrize(("pax", "refusal"), [(False, "sparse file"),
                                              (True, "pax extended header")],
                         ids=["gnu", "pax-0.1"])
def test_sparse_members_are_refused(workspace: Workspace, writer: BundleWriter, tmp_path: Path,
                                    pax: bool, refusal: str) -> None:
    # A pax sparse member is refused at its extended header, before anything reads it.
    bundle = _sparse_bundle(writer, tmp_path / "sparse.tar", pax)
    with pytest.raises(BundleError, match=refusal):
        import_bundle(workspace, bundle, actor="t")
    with workspace.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Submission)) == 0


def test_malformed_pax_sparse_map_is_refused(workspace: Workspace, writer: BundleWriter,
                                             tmp_path: Path) -> None:
    # tarfile would read this pax 1.0 sparse map from the member's data (and
    # raise ValueError on its nonsense); review refuses the header unread.
    members = writer.members()
    path = tmp_path / "pax10.tar"
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            if name.endswith("report.age"):
                info.pax_headers = {"GNU.sparse.major": "1", "GNU.sparse.minor": "0",
                                    "GNU.sparse.realsize": str(1 << 30)}
            tar.addfile(info, io.BytesIO(data))
    with pytest.raises(BundleError, match="pax extended header"):
        import_bundle(workspace, path, actor="t")


def test_an_oversized_report_skips_its_submission_and_the_others_are_imported(
        workspace: Workspace, writer: BundleWriter, alice: Reviewer, tmp_path: Path) -> None:
    # The outside review's reproduction: one hostile submission over the report limit
    # in the same bundle as a victim's report, which must still reach the reviewers.
    big = keys.encrypt(bytes(MAX_REPORT_BYTES), recipients=[alice.recipient])
    hostile = bundles.Submission("e" * 32, "2025-03-14", [("report.age", "report", big)])
    victim = writer.submissions[0]
    result = import_bundle(workspace, BundleWriter([hostile, victim]).write(tmp_path / "b.tar"),
                           actor="t")
    assert (result.added, result.already_present) == (1, 0)
    (skipped,) = result.skipped
    assert skipped.report_line() == (
        f"submission {hostile.id} skipped: report.age is {len(big)} bytes, over the "
        f"{MAX_REPORT_BYTES} limit; ask the intake operator for `haven intake pickup --again "
        f"{hostile.id}` after fixing, or to skip it (`haven intake skip {hostile.id}`)")
    with workspace.sessions() as session:
        assert set(session.scalars(select(Submission.id))) == {victim.id}
        (entry,) = session.scalars(select(AuditEntry).where(AuditEntry.action == "import-skipped"))
        assert entry.subject == f"bundle:{result.bundle_id}" and hostile.id in entry.detail
        assert audit.verify(session).intact
    assert not workspace.object_path(hashlib.sha256(big).hexdigest()).exists()
    for _, _, data in victim.files:
        assert workspace.object_path(hashlib.sha256(data).hexdigest()).exists()


def test_a_member_that_is_no_age_file_skips_its_submission(
        workspace: Workspace, writer: BundleWriter, tmp_path: Path) -> None:
    plain = bundles.Submission("b" * 32, "2025-03-14",
                               [("report.age", "report", b"plaintext, not age")])
    result = import_bundle(workspace, BundleWriter([plain, *writer.submissions])
                           .write(tmp_path / "p.tar"), actor="t")
    assert result.added == 1
    assert [(s.id, s.reason) for s in result.skipped] == [
        (plain.id, "report.age is not a binary age v1 file")]
    assert list(workspace.staging_dir().iterdir()) == []


def test_the_import_command_prints_each_skipped_submission(
        workspace: Workspace, writer: BundleWriter, alice: Reviewer, tmp_path: Path) -> None:
    big = keys.encrypt(bytes(MAX_REPORT_BYTES), recipients=[alice.recipient])
    hostile = bundles.Submission("e" * 32, "2025-03-14", [("report.age", "report", big)])
    bundle = BundleWriter([hostile, *writer.submissions]).write(tmp_path / "b.tar")
    code, output = _cli("import", str(bundle), "--workspace", str(workspace.root))
    assert code == 0, output
    assert "1 new submission," in output
    assert f"submission {hostile.id} skipped: report.age is" in output
    assert f"haven intake pickup --again {hostile.id}" in output


def test_bundle_larger_than_the_free_space_is_refused(workspace: Workspace, writer: BundleWriter,
                                                      tmp_path: Path) -> None:
    bundle = writer.write(tmp_path / "b.tar")
    declared = sum(len(d) for s in writer.submissions for _, _, d in s.files)
    reserve = 1000
    with pytest.raises(BundleError, match="has room for"):
        import_bundle(workspace, bundle, actor="t", limits=Limits(disk_reserve_bytes=reserve),
                      free=lambda _: declared + reserve - 1)
    assert import_bundle(workspace, bundle, actor="t", limits=Limits(disk_reserve_bytes=reserve),
                         free=lambda _: declared + reserve).added == 1


def test_damaged_object_is_repaired_by_reimport(workspace: Workspace, writer: BundleWriter,
                                                tmp_path: Path) -> None:
    bundle = writer.write(tmp_path / "b.tar")
    import_bundle(workspace, bundle, actor="t")
    sha256 = writer.manifest()["submissions"][0]["files"][0]["sha256"]
    path = workspace.object_path(sha256)
    path.write_bytes(b"bit rot")
    # The submission is already present, so only the object store is repaired.
    staged = BundleWriter(writer.submissions)
    workspace.store_object(_staged_copy(staged, tmp_path, sha256), sha256)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha256


def _staged_copy(writer: BundleWriter, tmp_path: Path, sha256: str) -> Path:
    data = next(d for s in writer.submissions for _, _, d in s.files
                if hashlib.sha256(d).hexdigest() == sha256)
    staged = tmp_path / "staged.age"
    staged.write_bytes(data)
    return staged


def test_leftovers_of_a_crashed_import_are_collected(workspace: Workspace, writer: BundleWriter,
                                                     tmp_path: Path) -> None:
    # What a crash between moving objects and committing leaves behind.
    leftover = workspace.staging_dir() / "bundle-crashed"
    leftover.mkdir()
    (leftover / "00000000.age").write_bytes(b"half")
    orphan = workspace.object_path("ab" * 32)
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"never committed")
    import_bundle(workspace, writer.write(tmp_path / "b.tar"), actor="t")
    assert list(workspace.staging_dir().iterdir()) == []
    assert not orphan.exists()
    with workspace.sessions() as session:
        for sha256 in session.scalars(select(StoredFile.sha256)):
            assert workspace.object_path(sha256).is_file()


def test_a_concurrent_import_is_refused(workspace: Workspace,
                                                      writer: BundleWriter,
                                                      tmp_path: Path) -> None:
    with workspace.import_lock(), pytest.raises(WorkspaceError, match="another import"):
        import_bundle(workspace, writer.write(tmp_path / "b.tar"), actor="t")


def test_remove_deletes_rows_and_objects_is_audited_and_sticks(
    workspace: Workspace, writer: BundleWriter, tmp_path: Path
) -> None:
    bundle = writer.write(tmp_path / "b.tar")
    import_bundle(workspace, bundle, actor="t")
    case_id = writer.submissions[0].id
    assert remove_submission(workspace, case_id, actor="carol") == 2
    assert [p for p in (workspace.root / "objects").rglob("*") if p.is_file()] == []
    with workspace.sessions() as session:
        assert session.get(Submission, case_id) is None
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert last is not None and (last.action, last.subject) == ("remove", f"case:{case_id}")
        assert audit.verify(session).intact
    again = import_bundle(workspace, bundle, actor="t")
    assert (again.added, again.removed_earlier) == (0, 1)
    with pytest.raises(WorkspaceError, match="no submission"):
        remove_submission(workspace, case_id, actor="carol")


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(review_group, list(args))
    return result.exit_code, result.output


def test_remove_command_needs_confirmation(workspace: Workspace, writer: BundleWriter,
                                           tmp_path: Path) -> None:
    import_bundle(workspace, writer.write(tmp_path / "b.tar"), actor="t")
    case_id = writer.submissions[0].id
    root = str(workspace.root)
    code, _ = _cli("remove", case_id, "--workspace", root)
    assert code != 0
    code, output = _cli("remove", case_id, "--workspace", root, "--yes")
    assert code == 0 and "Removed submission" in output, output


def test_trust_intake_pins_a_second_key_for_rotation(workspace: Workspace, writer: BundleWriter,
                                                     tmp_path: Path) -> None:
    rotated = SigningKey.generate()
    bundle = BundleWriter(writer.submissions, signing_key=rotated).write(tmp_path / "r.tar")
    with pytest.raises(BundleError, match=re.escape(INTAKE_KEY.public_key().fingerprint())):
        import_bundle(workspace, bundle, actor="t")
    code, output = _cli("trust-intake", "--workspace", str(workspace.root),
                        str(rotated.public_key()) + " intake-2026")
    assert code == 0 and rotated.public_key().fingerprint() in output, output
    assert import_bundle(workspace, bundle, actor="t").added == 1
    code, output = _cli("trust-intake", "--workspace", str(workspace.root), "ssh-rsa AAAA")
    assert code != 0 and "ssh-ed25519" in output


def test_init_pins_a_key_from_a_file_and_refuses_both(tmp_path: Path) -> None:
    key_file = tmp_path / "intake.pub"
    key_file.write_text(str(INTAKE_KEY.public_key()) + "\n")
    code, output = _cli("init", "--workspace", str(tmp_path / "ws"),
                        "--intake-key-file", str(key_file))
    assert code == 0 and INTAKE_KEY.public_key().fingerprint() in output
    code, output = _cli("init", "--workspace", str(tmp_path / "ws2"), "--intake-key-file",
                        str(key_file), "--intake-key", str(INTAKE_KEY.public_key()))
    assert code != 0 and "not both" in output


def test_workspace_is_private_even_in_an_existing_open_directory(tmp_path: Path) -> None:
    root = tmp_path / "shared"
    root.mkdir(mode=0o777)
    os.chmod(root, 0o777)
    Workspace.create(root).dispose()
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert stat.S_IMODE((root / DATABASE_NAME).stat().st_mode) == 0o600


def test_concurrent_audit_appends_queue_instead_of_colliding(workspace: Workspace) -> None:
    # Three inline images of one case page are three concurrent appends.
    failures: list[BaseException] = []
    barrier = threading.Barrier(4, timeout=WAIT_SECONDS)

    def append_many(number: int) -> None:
        barrier.wait()
        for _ in range(25):
            try:
                with workspace.transaction() as session:
                    audit.append(session, actor="alice", action="view",
                                 subject=f"case:x/{number}")
            except BaseException as error:  # collected and asserted below
                failures.append(error)

    threads = [threading.Thread(target=append_many, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_SECONDS)
    assert failures == []
    with workspace.sessions() as session:
        verdict = audit.verify(session)
    assert verdict.intact and verdict.entries == 100


def test_unsigned_manifest_bytes_are_not_parsed_before_the_signature(
    workspace: Workspace, writer: BundleWriter, tmp_path: Path
) -> None:
    # A manifest nested too deep to parse, signed by nobody we trust: the
    # refusal names the signature, so the manifest was never parsed.
    deep = b"[" * 100_000 + b"]" * 100_000
    stranger = SigningKey.generate()
    signature = stranger.sign(deep, namespace=PICKUP_NAMESPACE).encode()
    members = writer.members()
    bundle = writer.write(tmp_path / "f.tar", [("manifest.json", deep),
                                                ("manifest.json.sig", signature), *members[2:]])
    with pytest.raises(BundleError, match="not made by a pinned intake key"):
        import_bundle(workspace, bundle, actor="t")


def test_objects_reach_the_disk_before_the_rows_commit(
    workspace: Workspace, writer: BundleWriter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[object] = []

    def record(self: Workspace) -> None:
        with self.sessions() as session:
            seen.append(session.scalar(select(func.count()).select_from(Submission)))
        seen.append(all(self.object_path(f["sha256"]).is_file()
                        for f in writer.manifest()["submissions"][0]["files"]))

    monkeypatch.setattr(Workspace, "make_durable", record)
    import_bundle(workspace, writer.write(tmp_path / "b.tar"), actor="t")
    assert seen == [0, True]


def test_bundle_signed_by_stock_ssh_keygen_imports(workspace: Workspace, writer: BundleWriter,
                                                   tmp_path: Path) -> None:
    # The format promises stock OpenSSH can make and check the signature.
    ssh_keygen = require_program("ssh-keygen", "apt install openssh-client")
    key = tmp_path / "intake_key"
    subprocess.run([ssh_keygen, "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True,
                   timeout=WAIT_SECONDS)
    members = writer.members()
    manifest = tmp_path / "manifest.json"
    manifest.write_bytes(members[0][1])
    subprocess.run([ssh_keygen, "-q", "-Y", "sign", "-f", str(key), "-n", PICKUP_NAMESPACE,
                    str(manifest)], check=True, timeout=WAIT_SECONDS)
    signature = (tmp_path / "manifest.json.sig").read_bytes()
    bundle = writer.write(tmp_path / "b.tar", [members[0], ("manifest.json.sig", signature),
                                               *members[2:]])
    with pytest.raises(BundleError, match="not made by a pinned intake key"):
        import_bundle(workspace, bundle, actor="t")
    code, output = _cli("trust-intake", "--workspace", str(workspace.root),
                        (tmp_path / "intake_key.pub").read_text())
    assert code == 0, output
    assert import_bundle(workspace, bundle, actor="t").added == 1
