"""The workspace schema: ciphertext references, triage state and the audit chain."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    """Declarative base of the workspace database."""


class Reviewer(Base):
    """A member of the review team; triage fields are sealed to every reviewer's recipient."""

    __tablename__ = "reviewers"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    recipient: Mapped[str] = mapped_column(Text, unique=True)
    # The reviewer's Ed25519 key for signing reply bundles (schema 5): the public
    # line ("ssh-ed25519 AAAA...") in the clear for the operator to trust, the
    # private key age-encrypted to this reviewer's recipient alone, so a stolen
    # workspace signs nothing. None until add-reviewer or their first unlock.
    signing_key: Mapped[str | None] = mapped_column(Text)
    sealed_signing_key: Mapped[bytes | None] = mapped_column(LargeBinary)


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
    # The case's first submission when this one is a follow-up (schema 5); the
    # case may be missing from the workspace (removed, never imported).
    follows: Mapped[str | None] = mapped_column(String(32))
    # Import order (schema 5): follow-ups of one day keep the order they came in.
    # None for submissions imported before it was recorded.
    arrival: Mapped[int | None] = mapped_column(Integer)
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
    # A follow-up arrived that no reviewer has opened the case since (schema 5).
    news: Mapped[bool] = mapped_column(Boolean, default=False)


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


class Reply(Base):
    """A reviewer's reply to a case's reporter, sealed to every reviewer until it is sent.

    What the reporter will read (status and text) is sealed like notes; the
    clear columns say only who wrote it, on which day, and whether it left.
    """

    __tablename__ = "replies"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    author: Mapped[str] = mapped_column(String(64))
    written_day: Mapped[str] = mapped_column(String(10))
    # Import-like order among replies of one day.
    number: Mapped[int] = mapped_column(Integer)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    sealed_for: Mapped[str] = mapped_column(String(64))
    # The reply bundle that carried it to intake; None while it waits.
    bundle_id: Mapped[str | None] = mapped_column(ForeignKey("reply_bundles.id"))


class ReplyBundle(Base):
    """A reply bundle written from this workspace (docs/reply-bundle.md)."""

    __tablename__ = "reply_bundles"
    # Intake refuses a sequence not above the last one it loaded from a signer.
    __table_args__ = (UniqueConstraint("signer", "sequence"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_day: Mapped[str] = mapped_column(String(10))
    reviewer: Mapped[str] = mapped_column(String(64))
    # The signing key's SHA-256 fingerprint, as the manifest names it.
    signer: Mapped[str] = mapped_column(String(64))
    sequence: Mapped[int] = mapped_column(Integer)
