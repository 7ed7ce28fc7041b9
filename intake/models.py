"""Tables of intake: staged and published submissions, their age files, and ciphertext chunks.

Nothing here is readable without a reviewer's identity: chunks hold age
ciphertext, and the only clear metadata are random ids, sizes, digests of
ciphertext, and days.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
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

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    staged_day: Mapped[date] = mapped_column(Date)
    received_day: Mapped[date | None] = mapped_column(Date)
    picked_up_day: Mapped[date | None] = mapped_column(Date)
    receipt_lookup_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    reply_recipient: Mapped[str | None] = mapped_column(Text)


class StoredFile(Base):
    """One age file of a submission (`report.age` or `attachment-NNN.age`)."""

    __tablename__ = "stored_files"
    __table_args__ = (UniqueConstraint("submission_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    # Size and SHA-256 of the ciphertext, set when the file is complete.
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))


class Chunk(Base):
    """A slice of a stored file's ciphertext, written in its own short transaction."""

    __tablename__ = "chunks"

    file_id: Mapped[int] = mapped_column(
        ForeignKey("stored_files.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
