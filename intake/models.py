"""Tables of intake: submissions, their age files, ciphertext chunks, replies and drafts.

Nothing here is readable without a reviewer's identity: chunks hold age
ciphertext, and the only clear metadata are random ids, sizes, digests of
ciphertext, days, and which reviewer key signed which reply bundle.

These are SQLAlchemy Core tables, not ORM classes. Intake reads and writes
them with Core statements only, and importing sqlalchemy.orm costs about a
third of a second of CPU in every process that loads this module, among them
`haven intake pickup`, run every few minutes beside the server
(tests/test_import_graph.py holds the line). Each class only names its
table's columns: `Submission.state` is the column itself, and the class
stands for its table in insert(), update(), delete() and select().
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.sql.elements import ColumnClause
from sqlalchemy.sql.schema import SchemaItem

STAGED = "staged"
PUBLISHED = "published"
PICKED_UP = "picked_up"
# Set by `haven intake skip`: never picked up again unless sent again by id; purged
# like a picked-up submission. A value of the state column, so no schema change.
SKIPPED = "skipped"
# A staged submission whose lease ran out, claimed by the collector deleting it.
COLLECTING = "collecting"

# A random 64-bit id: BIGINT, but SQLite's INTEGER (the same 64 bits) for a key.
_RANDOM_ID = BigInteger().with_variant(Integer, "sqlite")


class Base:
    """One table: its columns are the class's Column attributes, in the order written.

    A subclass names its table (`table=`), may list constraints in `__constraints__`,
    and passes any other keyword (`sqlite_with_rowid=False`) on to Table. Each column
    is annotated ColumnClause[type of its values], which a Column is: SQLAlchemy's
    typing makes a bare Column read off a class Never (it expects TypedColumns).
    """

    # Stable constraint names, so migrations can refer to them.
    metadata: ClassVar[MetaData] = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    __table__: ClassVar[Table]
    __constraints__: ClassVar[tuple[SchemaItem, ...]] = ()

    def __init_subclass__(cls, *, table: str, **table_options: Any) -> None:
        super().__init_subclass__()
        columns = [value for value in vars(cls).values() if isinstance(value, Column)]
        cls.__table__ = Table(
            table, Base.metadata, *columns, *cls.__constraints__, **table_options
        )

    @classmethod
    def __clause_element__(cls) -> Table:
        # What lets insert(Submission), select(Submission) and the like take the class.
        return cls.__table__


# Without a rowid: SQLite would otherwise number the rows 1, 2, 3... in a hidden
# rowid, the order reports arrived in (migration 0003_write_path).
class Submission(Base, table="submissions", sqlite_with_rowid=False):
    """One report with its attachments; invisible to pickup until published."""

    id: ColumnClause[str] = Column("id", String(32), primary_key=True)
    state: ColumnClause[str] = Column("state", String(16), nullable=False, index=True)
    staged_day: ColumnClause[date] = Column("staged_day", Date, nullable=False)
    received_day: ColumnClause[date | None] = Column("received_day", Date)
    picked_up_day: ColumnClause[date | None] = Column("picked_up_day", Date)
    receipt_lookup_id: ColumnClause[str | None] = Column(
        "receipt_lookup_id", String(64), unique=True
    )
    reply_recipient: ColumnClause[str | None] = Column("reply_recipient", Text)
    # A follow-up names its case: the id of the case's first submission (never of
    # another follow-up). Not a foreign key: a follow-up keeps its own retention and
    # may outlive its case on intake until it is picked up.
    follows: ColumnClause[str | None] = Column("follows", String(32), index=True)
    # Whether the reporter said someone is in danger now, in the clear so pickup can
    # take urgent reports first and the operator can count them (docs/threat-model.md,
    # "Urgency in the clear"); cleared when the submission is picked up.
    urgent: ColumnClause[bool] = Column("urgent", Boolean, nullable=False, default=False)
    # While staged only: until when (seconds of the epoch) its upload is known to be
    # alive (intake/leases.py). Publication clears it, so no stored submission keeps
    # a time finer than its day.
    lease_expires: ColumnClause[int | None] = Column("lease_expires", BigInteger)
    # While a pickup bundle carrying it is on its way only: the delivery that claimed
    # it, and until when (seconds of the epoch) the claim holds (intake/delivery_claims.py).
    # Delivery and release clear both, as publication clears lease_expires.
    delivery: ColumnClause[str | None] = Column("delivery", String(32), index=True)
    delivery_expires: ColumnClause[int | None] = Column("delivery_expires", BigInteger)


class StoredFile(Base, table="stored_files"):
    """One age file of a submission (`report.age` or `attachment-NNN.age`)."""

    __constraints__ = (UniqueConstraint("submission_id", "name"),)

    # Drawn at random (intake/staging.py): a sequence would give arrival order.
    id: ColumnClause[int] = Column("id", _RANDOM_ID, primary_key=True, autoincrement=False)
    submission_id: ColumnClause[str] = Column(
        "submission_id",
        String(32),
        ForeignKey("submissions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    name: ColumnClause[str] = Column("name", String(32), nullable=False)
    kind: ColumnClause[str] = Column("kind", String(16), nullable=False)
    # Size and SHA-256 of the ciphertext, set when the file is complete.
    size: ColumnClause[int | None] = Column("size", BigInteger)
    sha256: ColumnClause[str | None] = Column("sha256", String(64))


class Chunk(Base, table="chunks"):
    """A slice of a stored file's ciphertext, written with others in one batch."""

    __constraints__ = (UniqueConstraint("file_id", "seq"),)

    # Random like the file's id. SQLite keys a table without an integer key by a
    # hidden rowid counting up: the order chunks, and so submissions, arrived in.
    id: ColumnClause[int] = Column("id", _RANDOM_ID, primary_key=True, autoincrement=False)
    file_id: ColumnClause[int] = Column(
        "file_id",
        _RANDOM_ID,
        ForeignKey("stored_files.id", ondelete="CASCADE"),
        nullable=False,
    )
    seq: ColumnClause[int] = Column("seq", Integer, nullable=False)
    data: ColumnClause[bytes] = Column("data", LargeBinary, nullable=False)


# No hidden rowid on SQLite: it would count replies across cases in load order.
class Reply(Base, table="replies", sqlite_with_rowid=False):
    """A reviewer's reply to a case: age ciphertext only the reporter's receipt code opens."""

    __constraints__ = (UniqueConstraint("submission_id", "seq"),)

    id: ColumnClause[str] = Column("id", String(32), primary_key=True)
    submission_id: ColumnClause[str] = Column(
        "submission_id",
        String(32),
        ForeignKey("submissions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    # The order this case's replies were loaded in (1, 2, ...): counted per case, so
    # nothing orders replies, or the cases they answer, across cases. The reporter
    # reads them in the order their documents give (intake/reply_documents.py);
    # this one only breaks ties and orders documents of version 1.
    seq: ColumnClause[int] = Column("seq", Integer, nullable=False)
    loaded_day: ColumnClause[date] = Column("loaded_day", Date, nullable=False, index=True)
    data: ColumnClause[bytes] = Column("data", LargeBinary, nullable=False)
    # The reporter chose not to see this reply again; it stays until purged.
    hidden: ColumnClause[bool] = Column("hidden", Boolean, nullable=False, default=False)


# No hidden rowid on SQLite: it would count purged replies across cases in purge order.
class ForgottenReply(Base, table="forgotten_replies", sqlite_with_rowid=False):
    """A reply retention deleted, by its id alone, kept while its case is kept.

    A copy of the bundle it came in (held back by whoever carried it, or written
    again with `haven review replies --again`) would otherwise load it again, and
    the reporter would read a reply retention deleted. Its case's purge removes
    it, and then any reply to that case is refused anyway.
    """

    id: ColumnClause[str] = Column("id", String(32), primary_key=True)
    submission_id: ColumnClause[str] = Column(
        "submission_id",
        String(32),
        ForeignKey("submissions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )


class ReviewerSequence(Base, table="reviewer_sequences"):
    """Each signing key's floor: every reply bundle sequence at or below it is refused.

    Those were loaded, or fell out of the window of intake/reply_sequences.py; the
    sequences above it that were loaded are in LoadedReplySequence.
    """

    signer: ColumnClause[str] = Column("signer", String(64), primary_key=True)
    floor_sequence: ColumnClause[int] = Column("floor_sequence", BigInteger, nullable=False)


class LoadedReplySequence(Base, table="loaded_reply_sequences", sqlite_with_rowid=False):
    """A sequence loaded from a signer, above its floor: loading it again is refused."""

    signer: ColumnClause[str] = Column("signer", String(64), primary_key=True)
    sequence: ColumnClause[int] = Column("sequence", BigInteger, primary_key=True)


class LoadedReplyBundle(Base, table="loaded_reply_bundles"):
    """A reply bundle already loaded: loading it again changes nothing."""

    bundle_id: ColumnClause[str] = Column("bundle_id", String(32), primary_key=True)


class Courier(Base, table="couriers"):
    """A reviewer's courier (`haven intake courier add`): how its requests are authenticated.

    The token is kept only as an Argon2id hash. The TOTP secret must be usable by
    the server, so it is sealed with a key derived from the data directory's
    secret key (intake/courier_credentials.py): the database or a backup of it
    alone does not give it away; the server whole does.
    """

    name: ColumnClause[str] = Column("name", String(40), primary_key=True)
    token_hash: ColumnClause[str] = Column("token_hash", Text, nullable=False)
    sealed_totp_secret: ColumnClause[str] = Column("sealed_totp_secret", Text, nullable=False)
    # The last TOTP time step accepted: a code (and so a whole request) is used once.
    last_step: ColumnClause[int | None] = Column("last_step", BigInteger)
    added_day: ColumnClause[date] = Column("added_day", Date, nullable=False)


class CourierUse(Base, table="courier_uses"):
    """One use of the courier endpoint: which courier, which day, what; nothing of the client."""

    row: ColumnClause[int] = Column("row", Integer, primary_key=True, autoincrement=True)
    # Not a foreign key: the trail outlives a courier's removal.
    courier: ColumnClause[str] = Column("courier", String(40), nullable=False, index=True)
    day: ColumnClause[date] = Column("day", Date, nullable=False)
    action: ColumnClause[str] = Column("action", String(16), nullable=False)
    detail: ColumnClause[str] = Column("detail", Text, nullable=False)


# No hidden rowid on SQLite: it would order the drafts, and so the refusals.
class StoredDraft(Base, table="drafts", sqlite_with_rowid=False):
    """A form's answers sent back across one redirect (intake/drafts.py), for one reading.

    `sealed` is AES-256-GCM under a key that only the browser holds (in a cookie):
    the database, a backup, or the whole server alone cannot open it.
    """

    id: ColumnClause[str] = Column("id", String(32), primary_key=True)
    # The day only (collection by age, intake/drafts.py); never a finer time.
    made_day: ColumnClause[date] = Column("made_day", Date, nullable=False, index=True)
    sealed: ColumnClause[bytes] = Column("sealed", LargeBinary, nullable=False)
