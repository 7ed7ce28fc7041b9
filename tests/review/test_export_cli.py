"""`haven review export` and `haven review verify` on the command line: consent, age, bad input."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

import keys
from review.cli import review_group
from review.workspace.audit import facts_of
from review.workspace.models import AuditEntry
from review.workspace.store import Workspace
from tests.review.evidence import EvidenceCase, make_case, need_tool, run
from tests.review.reviewers import Reviewer, command_line_identity


@pytest.fixture
def case(workspace: Workspace, alice: Reviewer, bob: Reviewer, tmp_path: Path) -> EvidenceCase:
    return make_case(workspace, alice, bob, tmp_path)


@pytest.fixture
def alice_files(alice: Reviewer, tmp_path: Path) -> tuple[Path, Path]:
    return command_line_identity(alice, tmp_path)


def _invoke(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(review_group, [str(a) for a in args])
    return result.exit_code, result.output


def _export(case: EvidenceCase, files: tuple[Path, Path], out: Path,
            *extra: str | Path) -> tuple[int, str]:
    return _invoke("export", case.case_id[:8], "--workspace", case.workspace.root,
                   "--for", "Counsel for A.", "--purpose", "court filing", "--out", out,
                   "--identity", files[0], "--passphrase-file", files[1], *extra)


def _actions(workspace: Workspace) -> list[AuditEntry]:
    with workspace.sessions() as session:
        found = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        session.expunge_all()
    return found


def test_export_then_verify(case: EvidenceCase, alice_files: tuple[Path, Path],
                            tmp_path: Path) -> None:
    out = tmp_path / "package"
    code, output = _export(case, alice_files, out)
    assert code == 0, output
    assert "Wrote evidence package" in output and "bytes in" in output
    code, output = _invoke("verify", out)
    assert code == 0 and "holds" in output, output
    signer = (out / "allowed_signers").read_text(encoding="utf-8").split(" ", 2)[2]
    code, output = _invoke("verify", out, "--signer", signer)
    assert code == 0, output
    (out / "data" / "consent.json").write_text("{}\n", encoding="utf-8")
    code, output = _invoke("verify", out)
    assert code == 1 and "data/consent.json" in output, output
    exports = [e for e in _actions(case.workspace) if e.action == "export"]
    assert len(exports) == 1 and facts_of(exports[0])["purpose"] == "court filing"


def test_a_classic_recipient_opens_the_package_with_stock_age(
        case: EvidenceCase, alice_files: tuple[Path, Path], tmp_path: Path) -> None:
    age = need_tool("age")
    lawyer = keys.X25519Identity.generate()
    identity_file = tmp_path / "lawyer.key"
    identity_file.write_text(f"{lawyer}\n", encoding="utf-8")
    out = tmp_path / "package.age"
    code, output = _export(case, alice_files, out, "--to", str(lawyer.recipient()))
    assert code == 0, output
    opened = run(age, "-d", "-i", identity_file, "-o", tmp_path / "package.tar", out)
    assert opened.returncode == 0, opened.stderr
    with tarfile.open(tmp_path / "package.tar") as archive:
        assert any(n.endswith("/tagmanifest-sha256.txt.sig") for n in archive.getnames())
    code, output = _invoke("verify", tmp_path / "package.tar")
    assert code == 0, output
    code, output = _invoke("verify", out, "--identity", identity_file)
    assert code == 0, output
    code, output = _invoke("verify", out)
    assert code == 1 and "--identity" in output


def test_consent_refuses_and_a_second_reviewer_overrides(
        case: EvidenceCase, alice_files: tuple[Path, Path], bob: Reviewer,
        tmp_path: Path) -> None:
    out = tmp_path / "package"
    code, output = _export(case, alice_files, out, "--kind", "journalists")
    assert code == 1 and "did not consent to journalists" in output, output
    assert "lawyers, ngos" in output and not out.exists()
    bob_files = command_line_identity(bob, tmp_path)
    code, output = _export(case, alice_files, out, "--kind", "journalists",
                           "--override-identity", bob_files[0],
                           "--override-passphrase-file", bob_files[1])
    assert code == 1 and "written reason" in output and not out.exists()
    code, output = _export(case, alice_files, out, "--kind", "journalists",
                           "--override-identity", alice_files[0],
                           "--override-passphrase-file", alice_files[1],
                           "--override-reason", "urgent")
    assert code == 1 and "second reviewer" in output and not out.exists()
    code, output = _export(case, alice_files, out, "--kind", "journalists",
                           "--override-identity", bob_files[0],
                           "--override-passphrase-file", bob_files[1],
                           "--override-reason", "the court ordered disclosure")
    assert code == 0, output
    override = json.loads((out / "data" / "override.json").read_text(encoding="utf-8"))
    assert override["confirmed_by"] == "bob" and override["exported_by"] == "alice"
    assert override["reason"] == "the court ordered disclosure"
    entries = [e for e in _actions(case.workspace) if e.action == "export-override"]
    assert entries and entries[0].actor == "bob"
    assert facts_of(entries[0])["reason"] == "the court ordered disclosure"
    custody = (out / "data" / "custody.jsonl").read_text(encoding="utf-8")
    assert "export-override" in custody


@pytest.mark.parametrize("key_kind", ["x25519"], indirect=True)
def test_bad_input_is_one_line_and_leaves_nothing(
        case: EvidenceCase, alice_files: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "package"
    code, output = _invoke("export", "ffffffffffffffff", "--workspace", case.workspace.root,
                           "--for", "x", "--purpose", "y", "--out", out,
                           "--identity", alice_files[0], "--passphrase-file", alice_files[1])
    assert code == 1 and "there is no case ffffffffffffffff" in output, output
    code, output = _export(case, alice_files, out, "--to", "age1notarecipient")
    assert code == 2 and "not an age recipient" in output
    out.mkdir()
    code, output = _export(case, alice_files, out)
    assert code == 1 and "exists" in output
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "elsewhere")
    code, output = _export(case, alice_files, link)
    assert code == 1 and "exists" in output and not (tmp_path / "elsewhere").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


@pytest.mark.parametrize("key_kind", ["x25519"], indirect=True)
def test_a_damaged_attachment_stops_the_export(case: EvidenceCase, tmp_path: Path) -> None:
    with case.workspace.sessions() as session:
        from review.workspace.models import StoredFile
        stored = session.scalars(select(StoredFile).where(
            StoredFile.kind == "attachment")).first()
        assert stored is not None
        path = case.workspace.object_path(stored.sha256)
    data = bytearray(path.read_bytes())
    data[-20] ^= 0x01
    path.chmod(0o600)
    path.write_bytes(bytes(data))
    from review.export.errors import DamagedAttachment
    with pytest.raises(DamagedAttachment, match="damaged in the workspace"):
        case.export(tmp_path / "package")
    assert not (tmp_path / "package").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
    assert _actions(case.workspace)[-1].action == "export-failed"


@pytest.mark.parametrize("key_kind", ["x25519"], indirect=True)
def test_a_full_disk_leaves_no_package(case: EvidenceCase, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from review.export import items
    from review.export.errors import ExportError

    real = items.stream_plaintext

    def filling(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        yield from real(*args, **kwargs)  # type: ignore[arg-type]
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(items, "stream_plaintext", filling)
    with pytest.raises(ExportError, match="No space left on device"):
        case.export(tmp_path / "package")
    assert not (tmp_path / "package").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
