"""The drafts table: each draft stored sealed, read once, and collected by its day.

A draft is written by the POST that sends a form back and deleted by the GET
that shows it, in the statement that reads it (DELETE ... RETURNING), so on one
SQLite file or on nodes sharing PostgreSQL exactly one request ever reads it.
A draft the browser never came back for (the redirect was not followed) is
collected by the lease keeper's rounds (intake/leases.py) once its day is
KEEP_DAYS past: only the day is stored, so that is as fine as age can be told.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine, delete, func, insert, select

from intake.db import touch_database_files, writing
from intake.draft_seal import DraftTicket
from intake.drafts import Draft, decode_draft, encode_draft
from intake.errors import DraftRefused, DraftsFull, DraftTooLarge
from intake.models import StoredDraft

# A draft made on day D is kept through day D+1, so one made just before midnight
# is still there for the GET that follows it. Collection runs every lease round, so
# an unread draft's ciphertext stays at most until the first round after the second
# midnight (UTC) following its making: under 48 hours, plus one round.
KEEP_DAYS = 1
# The nonce and the GCM tag.
SEAL_OVERHEAD_BYTES = 12 + 16
# All the ciphertext the drafts waiting to be read may hold. A draft needs no more
# than a CSRF token from a plain GET, so without a ceiling a client could fill the
# disk with them for two days; past it, a form comes back in the POST's own answer
# (intake/form_again.py), its answers kept but in that history entry. Thousands of
# real drafts fit, each read within a second of its making.
MAX_PENDING_BYTES = 64 * 1024 * 1024


def save_draft(engine: Engine, draft: Draft, *, today: date, bound: int) -> DraftTicket:
    """Store `draft` sealed; return the ticket that alone reads it back."""
    plaintext = encode_draft(draft)
    if len(plaintext) > bound:
        raise DraftTooLarge("draft larger than any form of this site holds")
    ticket = DraftTicket.new()
    sealed = ticket.seal(plaintext)
    with writing(engine) as connection:
        # Read in the write transaction, so one node's writers queue on it (SQLite's
        # one writer); across PostgreSQL nodes the ceiling may be passed by the
        # drafts of the requests running at that moment, each at most `bound`.
        pending = connection.execute(
            select(func.coalesce(func.sum(func.length(StoredDraft.sealed)), 0))
        ).scalar_one()
        if int(pending) + len(sealed) > MAX_PENDING_BYTES:
            raise DraftsFull("the drafts waiting to be read hold all the room they may")
        connection.execute(
            insert(StoredDraft).values(
                id=ticket.draft_id, made_day=today, sealed=sealed
            )
        )
    touch_database_files(engine)
    return ticket


def take_draft(engine: Engine, ticket: DraftTicket, *, bound: int) -> Draft:
    """Delete the draft `ticket` names and return it; DraftRefused if there is none to open.

    The row is gone whatever follows: a ticket whose draft does not open (forged,
    or altered) still used up the draft it named.
    """
    with writing(engine) as connection:
        sealed = connection.execute(
            delete(StoredDraft)
            .where(StoredDraft.id == ticket.draft_id)
            .returning(StoredDraft.sealed)
        ).scalar_one_or_none()
    touch_database_files(engine)
    if sealed is None:
        raise DraftRefused("no such draft: read already, collected, or never made")
    if len(sealed) > bound + SEAL_OVERHEAD_BYTES:
        raise DraftRefused("draft larger than any form of this site holds")
    return decode_draft(ticket.open(sealed))


def collect_old_drafts(engine: Engine, *, today: date) -> int:
    """Delete the drafts made before yesterday, never read; return how many."""
    with writing(engine) as connection:
        result = connection.execute(
            delete(StoredDraft).where(StoredDraft.made_day < today - timedelta(days=KEEP_DAYS))
        )
    return int(result.rowcount)
