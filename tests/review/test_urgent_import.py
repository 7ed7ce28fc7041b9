"""Urgent cases start at the top priority on import, with the reason in the audit log."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from review.pickup.importer import URGENT_PRIORITY, import_bundle
from review.workspace.models import AuditEntry, Triage
from review.workspace.store import Workspace
from tests.review.bundles import BundleWriter, encrypted_submission
from tests.review.reviewers import Reviewer


def test_an_urgent_case_gets_the_top_priority_and_an_audit_entry(
    workspace: Workspace, alice: Reviewer, tmp_path: Path
) -> None:
    urgent = encrypted_submission({"narrative": "now"}, recipients=[alice.recipient], urgent=True)
    calm = encrypted_submission({"narrative": "later"}, recipients=[alice.recipient])
    import_bundle(workspace, BundleWriter([calm, urgent]).write(tmp_path / "b.tar"), actor="t")
    with workspace.sessions() as session:
        priorities = dict(session.execute(select(Triage.submission_id, Triage.priority)).all())
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "priority")).all()
    assert priorities == {urgent.id: URGENT_PRIORITY, calm.id: 0}
    assert [e.subject for e in entries] == [f"case:{urgent.id}"]
    assert json.loads(entries[0].facts or "{}").get("reason") == "urgent"


def test_older_bundles_import_with_nothing_urgent(
    workspace: Workspace, alice: Reviewer, tmp_path: Path
) -> None:
    urgent = encrypted_submission({"narrative": "now"}, recipients=[alice.recipient], urgent=True)
    writer = BundleWriter([urgent])
    manifest = writer.manifest() | {"version": 3}
    for entry in manifest["submissions"]:
        del entry["urgent"]
    writer.manifest_override = manifest
    import_bundle(workspace, writer.write(tmp_path / "b.tar"), actor="t")
    with workspace.sessions() as session:
        assert session.scalar(select(Triage.priority)) == 0
