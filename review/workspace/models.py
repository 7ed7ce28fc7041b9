"""The workspace schema: ciphertext references, triage state and the audit chain."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    """Declarative base of the workspace database."""


class Reviewer(Base):
    """A member of the review team; triage fields are sealed to every reviewer's recipient."""

    __tablename__ = "reviewers"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    recipient: Mapped[str] = mapped_column(Text, unique=True)


class Bundle(Base):
    """A pickup bundle that was imported whole."""

    __tablename__ = "bundles"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_day: Mapped[str] = mapped_column(String(10))
    # Fingerprint of the pinned intake key whose signature let it in (schema 3);
    # None for a bundle imported earlier whose audit entry does not name it.
    signer: Mapped[str | None] = mapped_column(String(64))


class Submission(Base):
    """One report as it came from intake: references to its ciphertext, nothing decrypted."""

    __tablename__ = "submissions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    bundle_id: Mapped[str] = mapped_column(ForeignKey("bundles.id"))
    received_day: Mapped[str] = mapped_column(String(10))
    reply_recipient: Mapped[str | None] = mapped_column(Text)
    files: Mapped[list[StoredFile]] = relationship(
        back_populates="submission", order_by="StoredFile.name"
    )


class StoredFile(Base):
    """One age file of a submission, stored content-addressed under objects/."""

    __tablename__ = "files"

    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    submission: Mapped[Submission] = relationship(back_populates="files")


class Triage(Base):
    """Triage of one case: workflow fields in the clear, content-revealing fields sealed."""

    __tablename__ = "triage"

    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(32), default="new")
    priority: Mapped[int] = mapped_column(Integer, default=0)
    assignee: Mapped[str | None] = mapped_column(String(64))
    # age ciphertext of the JSON of notes, tags, links and corrected categories.
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Digest of the reviewer set `sealed` was encrypted to; when reviewers are
    # added it no longer matches, and the next reviewer who can read it reseals.
    sealed_for: Mapped[str | None] = mapped_column(String(64))
    # Bumped on every change so a session's in-memory copy knows when to unseal again.
    revision: Mapped[int] = mapped_column(Integer, default=0)


class AuditEntry(Base):
    """One link of the hash chain; `digest` commits to this entry and to `previous`."""

    __tablename__ = "audit"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(128))
    detail: Mapped[str] = mapped_column(Text)
    # What programs read back, as a JSON object of strings (schema 4): the words
    # in `detail` are for people and may change; these keys may not. Empty in
    # entries written before schema 4.
    facts: Mapped[str] = mapped_column(Text, default="")
    previous: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))


class IntakeKey(Base):
    """An intake signing key pinned by the reviewers: only bundles it signed are imported."""

    __tablename__ = "intake_keys"

    # The OpenSSH public key line ("ssh-ed25519 AAAA..."), without comment.
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    # UTC ISO time of the pin (schema 3); None if no audit entry recorded it.
    pinned_at: Mapped[str | None] = mapped_column(String(32))


class RemovedSubmission(Base):
    """A submission a reviewer removed; importing its bundle again does not bring it back."""

    __tablename__ = "removed_submissions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
