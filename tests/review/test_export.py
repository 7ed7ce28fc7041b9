"""The evidence package: a signed BagIt bag that stock tools and `haven review verify` check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from review.export.verify import verify_bag
from review.pickup.importer import import_bundle
from review.triage.changes import Casework
from review.workspace.store import Workspace
from tests.review.bundles import BundleWriter, encrypted_submission
from tests.review.evidence import CONTACT, NOTES, EvidenceCase, make_case, need_tool, run
from tests.review.reviewers import Reviewer


@pytest.fixture
def case(workspace: Workspace, alice: Reviewer, bob: Reviewer, tmp_path: Path) -> EvidenceCase:
    return make_case(workspace, alice, bob, tmp_path)


def test_an_untouched_package_holds(case: EvidenceCase, tmp_path: Path) -> None:
    out = tmp_path / "package"
    done = case.export(out)
    assert done.items == 2
    verdict = verify_bag(out)
    assert verdict.holds, verdict.failures
    originals = sorted((out / "data" / "originals").iterdir())
    assert NOTES in [p.read_bytes() for p in originals]
    info = (out / "bag-info.txt").read_text(encoding="utf-8")
    for field in ("Source-Organization", "Bagging-Date", f"External-Identifier: {done.export_id}",
                  "External-Description", "court filing", "Counsel for A.", "Payload-Oxum",
                  "Bag-Software-Agent: Haven"):
        assert field in info
    for record in (out / "data" / "metadata").glob("*.json"):
        item = json.loads(record.read_text(encoding="utf-8"))
        assert item["sha256"] == item["sha256_at_receipt"]
        assert (out / item["original"]).is_file()
    consent = json.loads((out / "data" / "consent.json").read_text(encoding="utf-8"))
    assert consent["cases"][case.case_id]["consent"] == ["lawyers", "ngos"]
    custody = (out / "data" / "custody.jsonl").read_text(encoding="utf-8").splitlines()
    actions = [json.loads(line)["action"] for line in custody]
    assert actions[0] == "received" and "import" in actions and actions[-1] == "export"
    redacted = next((out / "data" / "derivatives").glob("*.redacted.txt")).read_text("utf-8")
    assert CONTACT not in redacted and "他们在伦敦跟踪我" in redacted
    assert (out / "data" / "reports" / f"{case.case_id}.pdf").read_bytes().startswith(b"%PDF")


def test_stock_tools_check_an_untouched_package(case: EvidenceCase, tmp_path: Path) -> None:
    bagit_tool = need_tool("bagit.py")
    need_tool("sha256sum")
    need_tool("ssh-keygen")
    out = tmp_path / "package"
    case.export(out)
    checked = run(bagit_tool, "--validate", out)
    assert checked.returncode == 0, checked.stderr
    summed = run("sha256sum", "--strict", "-c", "manifest-sha256.txt", cwd=out)
    assert summed.returncode == 0, summed.stdout + summed.stderr
    signed = run("ssh-keygen", "-Y", "verify", "-f", out / "allowed_signers", "-I", "alice",
                 "-n", "haven-evidence-v1@haven", "-s", out / "tagmanifest-sha256.txt.sig",
                 stdin=(out / "tagmanifest-sha256.txt").read_bytes())
    assert signed.returncode == 0, signed.stdout + signed.stderr


def test_the_derivative_photo_keeps_no_location_device_or_time(case: EvidenceCase,
                                                               tmp_path: Path) -> None:
    exiftool = need_tool("exiftool")
    out = tmp_path / "package"
    case.export(out)
    clean = next((out / "data" / "derivatives").glob("*.clean"))
    log = json.loads(clean.with_name(clean.name + ".json").read_text(encoding="utf-8"))
    assert log["removed"] and all(r["by"] == "alice" for r in log["removed"])
    original = out / log["parent"]
    import hashlib
    assert hashlib.sha256(original.read_bytes()).hexdigest() == log["parent_sha256"]
    found = run(exiftool, "-j", "-G", "-a", clean).stdout.decode()
    for revealing in ("GPS", "Make", "Model", "DateTimeOriginal"):
        assert revealing not in found
    assert "GPS" in run(exiftool, "-j", "-G", original).stdout.decode()


@pytest.fixture
def package(case: EvidenceCase, tmp_path: Path) -> Path:
    out = tmp_path / "package"
    case.export(out)
    return out


def _copy(package: Path, into: Path) -> Path:
    import shutil
    return Path(shutil.copytree(package, into))


def _named(bag: Path) -> set[str]:
    verdict = verify_bag(bag)
    assert not verdict.holds
    return {failure.path for failure in verdict.failures}


def test_any_changed_byte_of_any_file_is_named(package: Path, tmp_path: Path) -> None:
    files = sorted(p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file())
    assert len(files) >= 15
    for number, name in enumerate(files):
        copy = _copy(package, tmp_path / f"changed-{number}")
        target = copy / name
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0x01
        target.write_bytes(bytes(data))
        named = _named(copy)
        # The tag manifest is what the signature covers: a change to it is the signature's.
        expected = "tagmanifest-sha256.txt.sig" if name == "tagmanifest-sha256.txt" else name
        assert expected in named, (name, named)


def test_an_added_file_is_named(package: Path, tmp_path: Path) -> None:
    for number, name in enumerate(("data/originals/extra.jpg", "data/note.txt", "README")):
        copy = _copy(package, tmp_path / f"added-{number}")
        (copy / name).write_bytes(b"slipped in later\n")
        assert name in _named(copy)


def test_a_removed_file_is_named(package: Path, tmp_path: Path) -> None:
    originals = next((package / "data" / "originals").iterdir()).relative_to(package).as_posix()
    for number, name in enumerate((originals, "data/custody.jsonl", "data/consent.json",
                                   "allowed_signers", "bag-info.txt", "manifest-sha256.txt")):
        copy = _copy(package, tmp_path / f"removed-{number}")
        (copy / name).unlink()
        assert name in _named(copy), name
    copy = _copy(package, tmp_path / "unsigned")
    (copy / "tagmanifest-sha256.txt.sig").unlink()
    assert "tagmanifest-sha256.txt.sig" in _named(copy)


def test_a_reordered_custody_log_is_named_for_its_chain(package: Path, tmp_path: Path) -> None:
    copy = _copy(package, tmp_path / "reordered")
    log = copy / "data" / "custody.jsonl"
    lines = log.read_bytes().splitlines(keepends=True)
    assert len(lines) >= 3
    lines[1], lines[2] = lines[2], lines[1]
    log.write_bytes(b"".join(lines))
    verdict = verify_bag(copy)
    reasons = [f.reason for f in verdict.failures if f.path == "data/custody.jsonl"]
    assert any("does not follow" in r or "says it is line" in r for r in reasons), reasons


def test_a_pinned_signer_must_be_the_shipped_one(package: Path) -> None:
    from keys.signing import SigningKey
    stranger = SigningKey.generate().public_key()
    verdict = verify_bag(package, pinned=stranger)
    assert [f.path for f in verdict.failures] == ["allowed_signers"]


@pytest.mark.parametrize("key_kind", ["x25519"], indirect=True)
def test_the_export_never_changes_this_process_working_directory(
        case: EvidenceCase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # bagit changes directory while it bags; `serve` answers other requests in
    # threads of this process meanwhile, so that must happen in a child process.
    import os

    def refuse(path: object) -> None:
        raise AssertionError(f"the export changed this process's directory to {path}")

    monkeypatch.setattr(os, "chdir", refuse)
    case.export(tmp_path / "package")
    assert verify_bag(tmp_path / "package").holds


@pytest.mark.parametrize("key_kind", ["x25519"], indirect=True)
def test_a_typed_line_break_starts_no_bag_info_field(case: EvidenceCase, tmp_path: Path) -> None:
    out = tmp_path / "package"
    case.export(out, purpose="court filing\nContact-Name: forged", recipient="Counsel\r\nfor A.")
    info = (out / "bag-info.txt").read_text(encoding="utf-8")
    assert "\nContact-Name" not in info and "court filing Contact-Name: forged" in info
    assert "Counsel for A." in info and verify_bag(out).holds


@pytest.mark.parametrize("key_kind", ["x25519"], indirect=True)
def test_marked_strings_leave_the_text_copy_and_the_pdf_keeps_the_story(
        case: EvidenceCase, tmp_path: Path) -> None:
    import unicodedata

    pdftotext = need_tool("pdftotext")
    out = tmp_path / "package"
    case.export(out, redact=("伦敦",))
    derivatives = out / "data" / "derivatives"
    copy = next(derivatives.glob("*.redacted.txt"))
    assert "伦敦" not in copy.read_text(encoding="utf-8")
    log = json.loads(copy.with_name(copy.name + ".json").read_text(encoding="utf-8"))
    assert {r["why"] for r in log["removed"]} == {"it identifies or reaches the reporter",
                                                 "marked for removal by the reviewer"}
    text = run(pdftotext, out / "data" / "reports" / f"{case.case_id}.pdf", "-").stdout
    folded = unicodedata.normalize("NFKC", text.decode("utf-8"))
    assert "他们在伦敦跟踪我" in folded and "Ular meni kuzetti" in folded


def test_a_case_with_triage_history_exports_and_its_summary_says_what_was_decided(
        case: EvidenceCase, tmp_path: Path) -> None:
    # A status change and a link are in the case's timeline: the summary shows them,
    # without the other case's id (another reporter's).
    other = encrypted_submission({"narrative": "another report"},
                                 recipients=[case.alice.recipient, case.bob.recipient])
    import_bundle(case.workspace, BundleWriter([other]).write(tmp_path / "other.tar"),
                  actor="operator")
    casework = Casework(case.workspace, "alice", (case.alice.identity,))
    casework.set_triage(case.case_id, status="in_review", priority=1, assignee=None)
    casework.link(case.case_id, other.id)
    out = tmp_path / "package"
    case.export(out)
    assert verify_bag(out).holds
    summary = (out / "data" / "reports" / f"{case.case_id}.html").read_text(encoding="utf-8")
    assert "Status changed" in summary and "set to in_review (by alice)" in summary
    assert "linked to another case (by alice)" in summary and other.id not in summary
