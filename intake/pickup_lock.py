"""One pickup at a time per database, however many processes and nodes run one.

A pickup selects the published submissions, writes them into a bundle and only
then marks them picked up (intake/pickup.py). Two pickups at once, from two
nodes sharing PostgreSQL or two shells on one data directory, would both
select the same submissions and both deliver them: the reviewer would get each
twice. The second pickup therefore waits here until the first has marked its
submissions, then finds only what arrived since.

On PostgreSQL the lock is a session advisory lock, held on a connection of its
own for the whole pickup; the server releases it if the process dies. On
SQLite it is flock(2) on a file beside the database (never on the database file
itself: closing any descriptor of that file would drop SQLite's own POSIX
locks); the kernel releases it if the process dies. Neither lock is ever left
behind by a crash.

A PostgreSQL session can end while its process lives on (idle_session_timeout,
a failover, a cut connection), and its advisory lock with it: another pickup
may then take the lock while this one still writes. The holder is therefore
asked, before it publishes, whether it still holds the lock (PickupLock.held);
a flock lives as long as its descriptor, so on SQLite it always does.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from intake.filemodes import create_private_file

# Any fixed 64-bit key: it only has to differ from other advisory locks on the server.
_ADVISORY_KEY = 0x48617665_6E50_4B  # "HavenPK"
LOCK_SUFFIX = "-pickup-lock"
# pg_locks shows a 64-bit advisory key as its high and low 32 bits, objsubid 1.
_HIGH, _LOW = _ADVISORY_KEY >> 32, _ADVISORY_KEY & 0xFFFFFFFF


class PickupLock:
    """The pickup lock, held for a block; it can say whether it still is."""

    def __init__(self, connection: Connection | None = None) -> None:
        self._connection = connection

    def held(self) -> bool:
        """Whether no other pickup can have taken the lock since this one took it."""
        if self._connection is None:
            return True  # a flock, or one process alone: held as long as the block runs
        try:
            found = self._connection.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND pid = pg_backend_pid() AND classid = :high AND objid = :low"
                    " AND objsubid = 1"
                ),
                {"high": _HIGH, "low": _LOW},
            ).scalar_one()
            self._connection.commit()
        except DBAPIError:
            # The session is gone, and its lock with it.
            return False
        return bool(found)


@contextmanager
def one_pickup_at_a_time(engine: Engine) -> Iterator[PickupLock]:
    """Hold the database's pickup lock for the block, waiting for any other holder."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _ADVISORY_KEY})
            connection.commit()
            try:
                yield PickupLock(connection)
            finally:
                _unlock(connection)
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield PickupLock()  # one process, one database: nothing else can pick up from it
        return
    path = Path(database + LOCK_SUFFIX)
    create_private_file(path)
    descriptor = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield PickupLock()
    finally:
        os.close(descriptor)  # releases the flock


def _unlock(connection: Connection) -> None:
    if connection.invalidated:
        return  # its session was found gone (PickupLock.held), and its lock with it
    try:
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _ADVISORY_KEY})
        connection.commit()
    except DBAPIError:
        # A session that ended took its lock with it: nothing is left to release,
        # and the block's own outcome (or error) is what the caller must hear.
        if not connection.invalidated:
            raise
