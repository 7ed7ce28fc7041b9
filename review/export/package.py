"""Writing an evidence package: a signed BagIt bag of cases, optionally inside one age file.

The package is built in a private work folder beside the output
(review/export/workdir.py) and renamed into place only when whole, signed and
validated by bagit itself, so a failure (a damaged attachment, a full disk) or
a kill leaves nothing under the output name. The export and any consent
override are in the audit log before a byte is written, so the custody log
inside the package records the export itself; a failed attempt is recorded as
such, and a killed one when the next export into the folder collects its work
folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import tarfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bagit

import keys
from contracts.report import NARRATIVE
from keys.signing import SigningKey
from review.casefile.library import CaseLibrary
from review.casefile.report_reader import AttachmentInfo, Report
from review.clock import WallClock, utc_now
from review.errors import ReviewError
from review.export import custody
from review.export.bagging import make_bag_apart
from review.export.consent import ConsentDecision, decide
from review.export.derivatives import (
    CLEANABLE_TYPES,
    ImageCleaningError,
    redact_report_text,
    strip_image_metadata,
)
from review.export.errors import (
    ConsentRefused,
    ExportError,
    OverrideError,
    PackageExists,
    UnknownCase,
)
from review.export.fonts import missing_fonts
from review.export.items import Item, write_original
from review.export.signature import (
    ALLOWED_SIGNERS,
    SIGNATURE_FILE,
    SIGNED_FILE,
    allowed_signers_line,
    principal_of,
    sign_tag_manifest,
)
from review.export.summaries import case_summary
from review.export.summary import case_texts, render_summary_html, render_summary_pdf
from review.export.workdir import claimed_work_dir, collect_interrupted
from review.replies.writing import replies_of
from review.workspace import audit
from review.workspace.models import Submission
from review.workspace.store import Workspace

SOURCE_ORGANIZATION = "Haven review workspace"
SOFTWARE_AGENT = "Haven 0.1.0 (review/export, bagit-python {bagit})"
# Answers that identify or reach the reporter: never in the redacted text copy.
IDENTIFYING_FIELDS = ("contact_details", "contact_name", "code_word", "safe_times")
# Inside the work folder: the bag as it is built, and (with --to) the age file sealing it.
BAG_FOLDER = "bag"
SEALED_FILE = "package.age"
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Override:
    """A second reviewer's confirmation (they unlocked with their own identity) and its reason."""

    reviewer: str
    reason: str


@dataclass(frozen=True)
class ExportRequest:
    """What to export, for whom and why."""

    case_ids: tuple[str, ...]
    recipient: str
    recipient_kind: str
    purpose: str
    police_country: str = ""
    # Strings the reviewer marks for removal from the redacted text copy.
    redact: tuple[str, ...] = ()
    encrypt_to: keys.Recipient | None = None
    override: Override | None = None


@dataclass(frozen=True)
class Exported:
    """The written package."""

    path: Path
    export_id: str
    size: int
    seconds: float
    items: int
    signer: str
    fonts_missing: tuple[str, ...] = field(default=())


def new_export_id() -> str:
    """A fresh export id: 32 hex digits, as Haven's other ids."""
    return secrets.token_hex(16)


def check_output(out: Path) -> None:
    """Refuse an output that exists (a symbolic link included) or whose folder does not."""
    if os.path.lexists(out):
        raise PackageExists(f"{out} exists; an evidence package never replaces anything")
    if not out.parent.is_dir():
        raise ExportError(f"{out.parent} is not a directory")


def consent_decisions(library: CaseLibrary, request: ExportRequest) -> list[ConsentDecision]:
    """Each case's consent against the recipient kind; refused unless all hold or overridden."""
    missing = [c for c in request.case_ids if c not in library.reports]
    if missing:
        raise UnknownCase(f"there is no case {missing[0]} among those you can read")
    decisions = [decide(library.reports[c], kind=request.recipient_kind,
                        police_country=request.police_country) for c in request.case_ids]
    refused = [d.reason for d in decisions if not d.covered]
    if refused and request.override is None:
        raise ConsentRefused("; ".join(refused) + ". A second reviewer may override with a "
                             "written reason (--override-identity, --override-reason)")
    if request.override is not None and not request.override.reason.strip():
        raise OverrideError("an override needs a written reason")
    return decisions


def export_cases(
    workspace: Workspace, library: CaseLibrary, request: ExportRequest, *, out: Path,
    reviewer: str, identities: Sequence[keys.Identity], signing_key: SigningKey,
    progress: Progress | None = None, clock: WallClock = utc_now, export_id: str | None = None,
) -> Exported:
    """Write the evidence package of `request` at `out` (a directory, or an age file).

    `export_id` is fresh unless given (the web app names the package by it first).
    """
    started = time.monotonic()
    check_output(out)
    decisions = consent_decisions(library, request)
    if request.override is not None and request.override.reviewer == reviewer:
        raise OverrideError("the override must come from a second reviewer, not the exporter")
    export_id = export_id or new_export_id()
    # Decrypted originals of an export killed earlier must not outlive it.
    collect_interrupted(workspace, out.parent, clock=clock)
    with claimed_work_dir(out, export_id) as work:
        _record_export(workspace, request, export_id, reviewer, decisions, clock)
        bag = work / BAG_FOLDER
        try:
            bag.mkdir()
            items, fonts = _write_payload(workspace, library, request, bag, export_id=export_id,
                                          reviewer=reviewer, identities=identities,
                                          decisions=decisions, progress=progress, clock=clock)
            _make_bag(bag, request, export_id, reviewer, signing_key, clock)
            size = _place(work, out, request.encrypt_to, export_id)
        except BaseException as error:
            _record_failure(workspace, export_id, request.case_ids, reviewer, error, clock)
            if isinstance(error, OSError):
                raise ExportError(f"writing the package failed ({error.strerror or error}); "
                                  f"nothing was left at {out}") from None
            raise
    return Exported(out, export_id, size, time.monotonic() - started, len(items),
                    signing_key.public_key().fingerprint(), tuple(fonts))


def _record_export(workspace: Workspace, request: ExportRequest, export_id: str, reviewer: str,
                   decisions: Sequence[ConsentDecision], clock: WallClock) -> None:
    cases = " ".join(request.case_ids)
    with workspace.transaction() as session:
        if request.override is not None:
            refused = "; ".join(d.reason for d in decisions if not d.covered)
            audit.append(session, actor=request.override.reviewer, action="export-override",
                         subject=f"export:{export_id}",
                         detail=f"confirmed an export by {reviewer} for {request.recipient} "
                                f"against the consent in force ({refused}): "
                                f"{request.override.reason}",
                         facts={"export": export_id, "cases": cases, "exporter": reviewer,
                                "reason": request.override.reason,
                                "purpose": f"consent override: {request.override.reason}"},
                         clock=clock)
        audit.append(session, actor=reviewer, action="export", subject=f"export:{export_id}",
                     detail=f"evidence package of {len(request.case_ids)} cases for "
                            f"{request.recipient} ({request.recipient_kind}): {request.purpose}",
                     facts={"export": export_id, "cases": cases, "recipient": request.recipient,
                            "recipient_kind": request.recipient_kind,
                            "purpose": request.purpose,
                            "encrypted_to": str(request.encrypt_to or "")},
                     clock=clock)


def _record_failure(workspace: Workspace, export_id: str, case_ids: Sequence[str], reviewer: str,
                    error: BaseException, clock: WallClock) -> None:
    reason = str(error) if isinstance(error, ReviewError | OSError) else type(error).__name__
    # A full disk may refuse this entry too; the export's own error is the one to report.
    with contextlib.suppress(Exception), workspace.transaction() as session:
        audit.append(session, actor=reviewer, action="export-failed",
                     subject=f"export:{export_id}", detail=reason[:500],
                     facts={"export": export_id, "cases": " ".join(case_ids)}, clock=clock)


def _write_payload(
    workspace: Workspace, library: CaseLibrary, request: ExportRequest, payload: Path, *,
    export_id: str, reviewer: str, identities: Sequence[keys.Identity],
    decisions: Sequence[ConsentDecision], progress: Progress | None, clock: WallClock,
) -> tuple[list[Item], list[str]]:
    for folder in ("originals", "metadata", "derivatives", "reports"):
        (payload / folder).mkdir()
    with workspace.sessions() as session:
        parts = {c: _parts(session, library.reports[c]) for c in request.case_ids}
    total = sum(f.size for files in parts.values() for _r, f, _d in files)
    done = 0

    def written(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, total)

    items: list[Item] = []
    texts: list[str] = []
    for decision in decisions:
        report = library.reports[decision.case_id]
        case_items: list[Item] = []
        for words, stored, described in parts[report.id]:
            item, record = write_original(workspace, stored, described, case_id=report.id,
                                          payload=payload, identities=identities,
                                          written=written)
            record["reporter_said"]["account"] = words
            record["derivatives"] = _derive(payload, item, reviewer)
            _write_json(payload / "metadata" / f"{item.item_id}.json", record)
            case_items.append(item)
        _write_text_copy(payload, report, request.redact, reviewer)
        replies = replies_of(workspace, report.id, identities=identities)
        with workspace.sessions() as session:
            summary = case_summary(session, report, items=case_items, replies=replies,
                                   decision=decision, export_id=export_id,
                                   recipient=request.recipient, purpose=request.purpose,
                                   exported_by=reviewer)
        html = render_summary_html(summary)
        (payload / "reports" / f"{report.id}.html").write_text(html, encoding="utf-8")
        (payload / "reports" / f"{report.id}.pdf").write_bytes(render_summary_pdf(html))
        texts += case_texts(summary)
        items += case_items
    with workspace.sessions() as session:
        (payload / custody.FILE).write_bytes(
            custody.chained(custody.custody_lines(session, request.case_ids)))
    _write_json(payload / "consent.json", {
        "export": export_id, "recipient": request.recipient,
        "recipient_kind": request.recipient_kind,
        "cases": {d.case_id: d.record() for d in decisions}})
    if request.override is not None:
        _write_json(payload / "override.json", {
            "export": export_id, "exported_by": reviewer,
            "confirmed_by": request.override.reviewer, "reason": request.override.reason,
            "refused": [d.reason for d in decisions if not d.covered],
            "confirmed_at": clock().isoformat()})
    return items, missing_fonts(texts)


def _parts(session: Any, report: Report) -> list[tuple[str, Any, AttachmentInfo | None]]:
    """(the reporter's words, stored file, what the document says of it) per attachment."""
    found = []
    sources = [(report.id, report.story(), report.attachments)]
    sources += [(f.id, f.message, f.attachments) for f in report.follow_ups]
    for submission_id, words, described in sources:
        submission = session.get(Submission, submission_id)
        by_name = {a.file: a for a in described}
        for stored in submission.files if submission is not None else []:
            if stored.kind == "attachment":
                found.append((words, stored, by_name.get(stored.name)))
    return found


def _derive(payload: Path, item: Item, reviewer: str) -> list[dict[str, Any]]:
    """An image's copy without location, device and time metadata, and its removal log."""
    if item.detected_type not in CLEANABLE_TYPES:
        return []
    data = (payload / "originals" / item.item_id).read_bytes()
    try:
        clean = strip_image_metadata(data, item.detected_type)
    except ImageCleaningError as refused:
        return [{"refused": str(refused)}]
    name = f"{item.item_id}.clean"
    (payload / "derivatives" / name).write_bytes(clean.data)
    record = {"file": f"data/derivatives/{name}", "parent": item.original_path,
              "parent_sha256": item.sha256, "sha256": hashlib.sha256(clean.data).hexdigest(),
              "media_type": clean.media_type,
              "removed": [{"what": what, "why": "it can locate, identify or date the reporter",
                           "by": reviewer} for what in clean.removed]}
    _write_json(payload / "derivatives" / f"{name}.json", record)
    return [record]


def _write_text_copy(payload: Path, report: Report, marked: Sequence[str], reviewer: str) -> None:
    """The report as text without the reporter's identity, contact details and marked strings."""
    lines = [f"Case {report.id}, received {report.received_day}", "", report.story(), ""]
    identifying: list[str] = []
    for name, value in report.answers.items():
        if name == NARRATIVE:
            continue
        text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
        if name in IDENTIFYING_FIELDS:
            identifying += [value] if isinstance(value, str) and value.strip() else []
        lines.append(f"{name}: {text}")
    lines += [f"follow-up {f.id} ({f.received_day}): {f.message}" for f in report.follow_ups]
    original = "\n".join(lines) + "\n"
    strings = [*identifying, *(s for s in marked if s.strip())]
    redacted = redact_report_text(original, strings)
    name = f"{report.id}.report.redacted.txt"
    (payload / "derivatives" / name).write_text(redacted.text, encoding="utf-8")
    _write_json(payload / "derivatives" / f"{name}.json", {
        "file": f"data/derivatives/{name}",
        "parent": f"the decrypted report of case {report.id} (data/reports/{report.id}.html)",
        "parent_sha256": hashlib.sha256(original.encode("utf-8")).hexdigest(),
        "sha256": hashlib.sha256(redacted.text.encode("utf-8")).hexdigest(),
        "removed": [{"what": ("the reporter's identity or contact details"
                              if r.string_index < len(identifying)
                              else f"string {r.string_index - len(identifying) + 1} the "
                                   "reviewer marked"),
                     "why": ("it identifies or reaches the reporter" if r.string_index <
                             len(identifying) else "marked for removal by the reviewer"),
                     "by": reviewer, "at_offset": r.position} for r in redacted.removed],
    })


def _make_bag(staging: Path, request: ExportRequest, export_id: str, reviewer: str,
              signing_key: SigningKey, clock: WallClock) -> None:
    """Turn `staging` into a bag (bagit moves the payload into data/), add the signer, sign."""
    now = clock()
    make_bag_apart(staging, {
        "Source-Organization": SOURCE_ORGANIZATION,
        "Bagging-Date": now.date().isoformat(),
        "External-Identifier": export_id,
        "External-Description": (f"Evidence package for {_one_line(request.recipient)} "
                                 f"({request.recipient_kind}); purpose: "
                                 f"{_one_line(request.purpose)}; "
                                 f"cases {' '.join(request.case_ids)}; exported by {reviewer} "
                                 f"at {now.isoformat()}"),
        "Bag-Software-Agent": SOFTWARE_AGENT.format(bagit=bagit.VERSION),
        "Haven-Consent-Record": "data/consent.json",
    }, {ALLOWED_SIGNERS: allowed_signers_line(principal_of(reviewer), signing_key.public_key())})
    signature = sign_tag_manifest((staging / SIGNED_FILE).read_bytes(), signing_key)
    (staging / SIGNATURE_FILE).write_text(signature, encoding="ascii")
    # bagit's own check before anything takes the output name.
    bagit.Bag(str(staging)).validate(processes=1)


def _place(work: Path, out: Path, recipient: keys.Recipient | None, export_id: str) -> int:
    """Move the finished bag to `out`, or seal it as a tar in one age file there; its size."""
    bag = work / BAG_FOLDER
    if recipient is None:
        check_output(out)
        os.rename(bag, out)
        return sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    sealed = work / SEALED_FILE
    try:
        with sealed.open("xb") as handle:
            with (keys.encrypting(handle, recipients=[recipient]) as writer,
                  tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar):
                tar.add(bag, arcname=f"haven-evidence-{export_id}", filter=_plain_member)
            handle.flush()
            os.fsync(handle.fileno())
        # A hard link never replaces: if the name was taken meanwhile, this fails.
        os.link(sealed, out)
    except FileExistsError:
        raise PackageExists(f"{out} appeared while the package was written; "
                            "nothing was replaced") from None
    return out.stat().st_size


def _plain_member(info: tarfile.TarInfo) -> tarfile.TarInfo:
    # Nothing of the exporting machine travels: no owner names, ids or times of day.
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o755 if info.isdir() else 0o644
    return info


def _one_line(text: str) -> str:
    """`text` with every run of whitespace (line breaks included) as one space: a bag-info
    value is one line, and a typed line break would start a field of its own."""
    return " ".join(text.split())


def _write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                    encoding="utf-8")
