"""Checking back with a receipt code: open the case, read its replies, hide one.

The code is re-derived with Argon2id and the pepper into the lookup id and
the reply identity. The identity is never stored or logged: the code's POST
finds the case, and the results page it redirects to decrypts the replies with
the identity it was handed sealed (intake/checkback_seal.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select, update

import keys
from intake.db import reading_snapshot, writing
from intake.derivation_gate import DerivationGate
from intake.models import PICKED_UP, PUBLISHED, Reply, Submission
from intake.reply_documents import ShownReply, current_status, in_reading_order, open_reply
from keys.errors import ReceiptError
from keys.hybrid import HybridIdentity
from keys.receipt import RECEIPT_WORDS, Argon2Cost, derive_receipt_keys, wordlist

# The longest text taken as a code attempt: seven of the longest list words (9
# letters) with generous spacing fit many times over. Longer input cannot be any
# code, so refusing it before Argon2 runs tells the sender nothing about codes.
MAX_CODE_CHARS = 400
# A case a reporter can open: published or picked up, and the first submission of it.
_OPEN_CASE = (Submission.state.in_([PUBLISHED, PICKED_UP]), Submission.follows.is_(None))


@dataclass(frozen=True)
class FoundCase:
    """The case a receipt code names, and the reply identity the code derives to."""

    case_id: str
    reply_identity: HybridIdentity


@dataclass(frozen=True)
class OpenedCase:
    """A case opened with its receipt code: what the check-back page shows."""

    case_id: str
    replies: list[ShownReply]
    status: str | None


def _stand_in_code() -> str:
    # A well-formed code to derive when the typed text is not one, so a guess of any
    # shape costs one full Argon2id run; its result is thrown away, never looked up.
    return " ".join(wordlist()[:RECEIPT_WORDS])


def find_case(
    engine: Engine, code: str, *, pepper: bytes, cost: Argon2Cost, gate: DerivationGate
) -> FoundCase | None:
    """The case `code` names, with its reply identity; None for any code that names none."""
    if len(code) > MAX_CODE_CHARS:
        return None
    with gate.for_check_back():
        try:
            receipt = derive_receipt_keys(code, pepper=pepper, cost=cost)
        except ReceiptError:
            derive_receipt_keys(_stand_in_code(), pepper=pepper, cost=cost)
            return None
    with engine.connect() as connection:
        case_id = connection.execute(
            select(Submission.id).where(
                Submission.receipt_lookup_id == receipt.lookup_id, *_OPEN_CASE
            )
        ).scalar_one_or_none()
    if case_id is None:
        return None
    return FoundCase(case_id=case_id, reply_identity=receipt.reply_identity)


def read_case(engine: Engine, *, case_id: str, identity: keys.Identity) -> OpenedCase | None:
    """The case's replies decrypted with `identity`; None once the case was purged."""
    # One snapshot: a purge cannot land between finding the case and reading its replies.
    with reading_snapshot(engine) as connection:
        found = connection.execute(
            select(Submission.id).where(Submission.id == case_id, *_OPEN_CASE)
        ).scalar_one_or_none()
        if found is None:
            return None
        rows = connection.execute(
            select(Reply.id, Reply.loaded_day, Reply.data, Reply.hidden)
            .where(Reply.submission_id == case_id)
            .order_by(Reply.seq)
        ).all()
    opened = [
        (
            row.hidden,
            open_reply(
                row.data,
                reply_id=row.id,
                case_id=case_id,
                arrived_day=row.loaded_day,
                identity=identity,
            ),
        )
        for row in rows
    ]
    replies = in_reading_order([reply for _, reply in opened if reply is not None])
    hidden = {reply.id for was_hidden, reply in opened if reply is not None and was_hidden}
    # Hidden replies still count for the case's status: the reporter hid the words.
    return OpenedCase(
        case_id=case_id,
        replies=[reply for reply in replies if reply.id not in hidden],
        status=current_status(replies),
    )


def hide_reply(engine: Engine, *, case_id: str, reply_id: str) -> bool:
    """Hide one reply of `case_id` from the reporter's view; False if the case has no such reply."""
    with writing(engine) as connection:
        hidden = connection.execute(
            update(Reply)
            .where(Reply.id == reply_id, Reply.submission_id == case_id)
            .values(hidden=True)
        ).rowcount
    return bool(hidden == 1)
