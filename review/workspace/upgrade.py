"""Bringing a workspace of an older schema up to the current one, in place.

Version 2 added pinned intake keys and removed submissions (new tables);
version 3 added each bundle's signer and each pin's time (new nullable
columns); version 4 added the audit entries' facts; version 5 added reviewers'
signing keys, follow-ups (`follows`, `arrival`, the case's `news` flag) and
replies with the reply bundles that carried them. A workspace of a version
not listed here is refused by `Workspace.open`, not guessed at.
"""

from __future__ import annotations

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from review.workspace.audit import facts_of
from review.workspace.models import AuditEntry, Base, Bundle, IntakeKey

SCHEMA_VERSION = 5
UPGRADABLE = frozenset({1, 2, 3, 4})
# Columns added after a table first appeared: (table, column, SQL type).
_ADDED_COLUMNS = (
    ("bundles", "signer", "VARCHAR(64)"),
    ("intake_keys", "pinned_at", "VARCHAR(32)"),
    ("audit", "facts", "TEXT NOT NULL DEFAULT ''"),
    ("reviewers", "signing_key", "TEXT"),
    ("reviewers", "sealed_signing_key", "BLOB"),
    ("submissions", "follows", "VARCHAR(32)"),
    ("submissions", "arrival", "INTEGER"),
    ("triage", "news", "BOOLEAN NOT NULL DEFAULT 0"),
)
# Before schema 4, the import entry named its signer only in words, as
# "...; signed by SHA256:...", and the trust-intake entry's detail began with
# the fingerprint. Those entries are never rewritten (the chain covers them),
# so these words are frozen here; nothing written since is read this way.
_LEGACY_SIGNED_BY = "; signed by "


def upgrade(writer: Engine, write_sessions: sessionmaker[Session]) -> None:
    """Bring an older schema to SCHEMA_VERSION: new tables, new columns, their values.

    Every step checks before it acts, and the version is set last in the
    same transaction as the columns, so an upgrade cut short is redone.
    """
    Base.metadata.create_all(writer)
    with write_sessions.begin() as session:
        for table, column, sql_type in _ADDED_COLUMNS:
            present = {row[1] for row in session.execute(text(f"PRAGMA table_info({table})"))}
            if column not in present:
                session.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}"))
        _fill_from_audit(session)
        session.execute(text(f"PRAGMA user_version={SCHEMA_VERSION}"))


def bundle_signer(entry: AuditEntry) -> str | None:
    """The fingerprint of the key that signed the bundle an import entry records."""
    signer = facts_of(entry).get("signer")
    if signer is None and _LEGACY_SIGNED_BY in entry.detail:
        signer = entry.detail.rsplit(_LEGACY_SIGNED_BY, 1)[1].strip()
    return signer


def pinned_fingerprint(entry: AuditEntry) -> str:
    """The fingerprint of the key a trust-intake entry pinned."""
    return facts_of(entry).get("fingerprint") or entry.detail.split(" ", 1)[0]


def _fill_from_audit(session: Session) -> None:
    """Recover bundle signers and pin times for rows from before schema 3."""
    entries = session.scalars(select(AuditEntry).where(
        AuditEntry.action.in_(("import", "trust-intake"))).order_by(AuditEntry.seq))
    for entry in entries:
        if entry.action == "import":
            bundle = session.get(Bundle, entry.subject.removeprefix("bundle:"))
            signer = bundle_signer(entry)
            if bundle is not None and bundle.signer is None and signer is not None:
                bundle.signer = signer
        else:
            fingerprint = pinned_fingerprint(entry)
            for pinned in session.scalars(
                    select(IntakeKey).where(IntakeKey.fingerprint == fingerprint)):
                # The latest pin wins: a key distrusted and pinned again dates from then.
                pinned.pinned_at = entry.at
