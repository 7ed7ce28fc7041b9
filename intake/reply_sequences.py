"""Which reply bundle sequences of each signer were loaded: replays refused, late ones let in.

A bundle held back by its courier and loaded after a later one of the same
signer must still load (refusing it would lose its replies for good, and review
already counts them sent); a bundle loaded before must never load again. So
intake keeps, per signer, the sequences it loaded, not only the highest. To keep
that bounded it keeps only the last WINDOW of them: a floor trails the highest
loaded sequence by WINDOW, and every sequence at or below the floor is refused
as if loaded (docs/reply-bundle.md, "Sequences").

That holds for bundles whose documents carry their own order (manifest version
2). A version 1 bundle's documents are unnumbered and read in the order they
were loaded, so one of those loads only above every sequence its signer loaded,
as before the window: whoever carries them cannot reorder one signer's replies.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, func, insert, select, update

from intake.errors import ReplyBundleRefused
from intake.models import LoadedReplySequence, ReviewerSequence

# Review numbers a signer's bundles 1, 2, 3...: a bundle still loads after as many
# as WINDOW later ones of its signer did. A courier holding back more than that is
# not a delay any more: review sends those replies again (`replies --again`).
WINDOW = 1024


def refuse_loaded_sequence(
    connection: Connection, *, signer: str, sequence: int, in_order: bool = False
) -> None:
    """Raise ReplyBundleRefused if `sequence` of `signer` was loaded, or is below the window
    (or, `in_order`, is not above every sequence of `signer` loaded)."""
    if in_order:
        _refuse_out_of_order(connection, signer, sequence)
    floor = _floor(connection, signer)
    if sequence <= floor:
        raise ReplyBundleRefused(
            f"sequence {sequence} of {signer} is at or below {floor}: loaded before, or older "
            f"than the {WINDOW} bundles of that signer intake remembers (a replayed bundle, "
            "or one held back too long: send its replies again with `haven review replies --again`)"
        )
    loaded = connection.execute(
        select(LoadedReplySequence.sequence).where(
            LoadedReplySequence.signer == signer, LoadedReplySequence.sequence == sequence
        )
    ).first()
    if loaded is not None:
        raise ReplyBundleRefused(
            f"sequence {sequence} of {signer} was loaded before: a replayed bundle"
        )


def record_loaded_sequence(
    connection: Connection, *, signer: str, sequence: int, in_order: bool = False
) -> None:
    """Record `sequence` of `signer` as loaded, inside the transaction that stores its replies.

    The row is inserted before the floor is read: a concurrent load of the same
    sequence fails on the primary key, and one that raised the floor past it
    meanwhile is seen by the read after (committed before our insert could
    succeed), so no interleaving loads one sequence twice.
    """
    if _floor_row(connection, signer) is None:
        connection.execute(insert(ReviewerSequence).values(signer=signer, floor_sequence=0))
    connection.execute(insert(LoadedReplySequence).values(signer=signer, sequence=sequence))
    floor_now = _floor(connection, signer)
    if sequence <= floor_now:
        raise ReplyBundleRefused(
            f"a load of {signer} meanwhile left sequence {sequence} below the window"
        )
    highest = _highest(connection, signer)
    if in_order and highest > sequence:
        raise ReplyBundleRefused(f"a load of {signer} meanwhile loaded a sequence above {sequence}")
    floor = highest - WINDOW
    if floor > floor_now:
        connection.execute(
            update(ReviewerSequence)
            .where(ReviewerSequence.signer == signer, ReviewerSequence.floor_sequence < floor)
            .values(floor_sequence=floor)
        )
        connection.execute(
            delete(LoadedReplySequence).where(
                LoadedReplySequence.signer == signer, LoadedReplySequence.sequence <= floor
            )
        )


def _refuse_out_of_order(connection: Connection, signer: str, sequence: int) -> None:
    highest = _highest(connection, signer)
    if sequence <= highest:
        raise ReplyBundleRefused(
            f"sequence {sequence} of {signer} is a version 1 bundle, not above {highest}, "
            "the highest loaded from that signer: its replies carry no number, so they "
            "load only in the order written (send them again with `haven review replies "
            "--again`, which numbers them)"
        )


def _highest(connection: Connection, signer: str) -> int:
    # The floor is the highest when no sequence above it is kept (as after migration 0008).
    loaded = connection.execute(
        select(func.max(LoadedReplySequence.sequence)).where(LoadedReplySequence.signer == signer)
    ).scalar_one_or_none()
    return max(loaded or 0, _floor(connection, signer))


def _floor_row(connection: Connection, signer: str) -> int | None:
    return connection.execute(
        select(ReviewerSequence.floor_sequence).where(ReviewerSequence.signer == signer)
    ).scalar_one_or_none()


def _floor(connection: Connection, signer: str) -> int:
    found = _floor_row(connection, signer)
    return 0 if found is None else found
