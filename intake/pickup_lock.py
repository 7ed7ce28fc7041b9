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
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from intake.filemodes import create_private_file

# Any fixed 64-bit key: it only has to differ from other advisory locks on the server.
_ADVISORY_KEY = 0x48617665_6E50_4B  # "HavenPK"
LOCK_SUFFIX = "-pickup-lock"


@contextmanager
def one_pickup_at_a_time(engine: Engine) -> Iterator[None]:
    """Hold the database's pickup lock for the block, waiting for any other holder."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _ADVISORY_KEY})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": _ADVISORY_KEY}
                )
                connection.commit()
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield  # one process, one database: nothing else can pick up from it
        return
    path = Path(database + LOCK_SUFFIX)
    create_private_file(path)
    descriptor = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # releases the flock
