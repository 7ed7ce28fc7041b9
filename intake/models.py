"""Tables of intake: submissions, their age files, ciphertext chunks, replies and drafts.

Nothing here is readable without a reviewer's identity: chunks hold age
ciphertext, and the only clear metadata are random ids, sizes, digests of
ciphertext, days, and which reviewer key signed which reply bundle.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

STAGED = "staged"
PUBLISHED = "published"
PICKED_UP = "picked_up"
# Set by `haven intake skip`: never picked up again unless sent again by id; purged
# like a picked-up submission. A value of the state column, so no schema change.
SKIPPED = "skipped"
# A staged submission whose lease ran out, claimed by the collector deleting it.
COLLECTING = "collecting"


class Base(DeclarativeBase):
    """Declarative base with stable constraint names, so migrations can refer to them."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Submission(Base):
    """One report with its attachments; invisible to pickup until published."""

    __tablename__ = "submissions"
    # SQLite would otherwise number the rows 1, 2, 3... in a hidden rowid: the
    # order reports arrived in (migration 0003_write_path).
    __table_args__ = ({"sqlite_with_rowid": False},)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    staged_day: Mapped[date] = mapped_column(Date)
    received_day: Mapped[date | None] = mapped_column(Date)
    picked_up_day: Mapped[date | None] = mapped_column(Date)
    receipt_lookup_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    reply_recipient: Mapped[str | None] = mapped_column(Text)
    # A follow-up names its case: the id of the case's first submission (never of
    # another follow-up). Not a foreign key: a follow-up keeps its own retention and
    # may outlive its case on intake until it is picked up.
    follows: Mapped[str | None] = mapped_column(String(32), index=True)
    # Whether the reporter said someone is in danger now, in the clear so pickup can
    # take urgent reports first and the operator can count them (docs/threat-model.md,
    # "Urgency in the clear"); cleared when the submission is picked up.
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    # While staged only: until when (seconds of the epoch) its upload is known to be
    # alive (intake/leases.py). Publication clears it, so no stored submission keeps
    # a time finer than its day.
    lease_expires: Mapped[int | None] = mapped_column(BigInteger)


class StoredFile(Base):
    """One age file of a submission (`report.age` or `attachment-NNN.age`)."""

    __tablename__ = "stored_files"
    __table_args__ = (UniqueConstraint("submission_id", "name"),)

    # Drawn at random (intake/staging.py): a sequence would give arrival order.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    # Size and SHA-256 of the ciphertext, set when the file is complete.
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))


class Chunk(Base):
    """A slice of a stored file's ciphertext, written with others in one batch."""

    __tablename__ = "chunks"
    __table_args__ = (UniqueConstraint("file_id", "seq"),)

    # Random like the file's id. SQLite keys a table without an integer key by a
    # hidden rowid counting up: the order chunks, and so submissions, arrived in.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    file_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("stored_files.id", ondelete="CASCADE"),
    )
    seq: Mapped[int] = mapped_column()
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Reply(Base):
    """A reviewer's reply to a case: age ciphertext only the reporter's receipt code opens."""

    __tablename__ = "replies"
    # No hidden rowid on SQLite: it would count replies across cases in load order.
    __table_args__ = (UniqueConstraint("submission_id", "seq"), {"sqlite_with_rowid": False})

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    # The order the reporter reads this case's replies in (1, 2, ...): counted per
    # case, so nothing orders replies, or the cases they answer, across cases.
    seq: Mapped[int] = mapped_column()
    loaded_day: Mapped[date] = mapped_column(Date, index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    # The reporter chose not to see this reply again; it stays until purged.
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)


class ReviewerSequence(Base):
    """The last reply bundle sequence loaded from each signing key: replays are refused."""

    __tablename__ = "reviewer_sequences"

    signer: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_sequence: Mapped[int] = mapped_column(BigInteger)


class LoadedReplyBundle(Base):
    """A reply bundle already loaded: loading it again changes nothing."""

    __tablename__ = "loaded_reply_bundles"

    bundle_id: Mapped[str] = mapped_column(String(32), primary_key=True)


class Courier(Base):
    """A reviewer's courier (`haven intake courier add`): how its requests are authenticated.

    The token is kept only as an Argon2id hash. The TOTP secret must be usable by
    the server, so it is sealed with a key derived from the data directory's
    secret key (intake/courier_credentials.py): the database or a backup of it
    alone does not give it away; the server whole does.
    """

    __tablename__ = "couriers"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    token_hash: Mapped[str] = mapped_column(Text)
    sealed_totp_secret: Mapped[str] = mapped_column(Text)
    # The last TOTP time step accepted: a code (and so a whole request) is used once.
    last_step: Mapped[int | None] = mapped_column(BigInteger)
    added_day: Mapped[date] = mapped_column(Date)


class CourierUse(Base):
    """One use of the courier endpoint: which courier, which day, what; nothing of the client."""

    __tablename__ = "courier_uses"

    row: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    # Not a foreign key: the trail outlives a courier's removal.
    courier: Mapped[str] = mapped_column(String(40), index=True)
    day: Mapped[date] = mapped_column(Date)
    action: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text)


class StoredDraft(Base):
    """A form's answers sent back across one redirect (intake/drafts.py), for one reading.

    `sealed` is AES-256-GCM under a key that only the browser holds (in a cookie):
    the database, a backup, or the whole server alone cannot open it.
    """

    __tablename__ = "drafts"
    # No hidden rowid on SQLite: it would order the drafts, and so the refusals.
    __table_args__ = ({"sqlite_with_rowid": False},)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # The day only (collection by age, intake/drafts.py); never a finer time.
    made_day: Mapped[date] = mapped_column(Date, index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
