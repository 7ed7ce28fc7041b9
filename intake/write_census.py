"""Counting an engine's write transactions, and seeing whether one is open (bench and tests).

Every write goes through intake.db.writing(), which marks its connection; the
engine's begin, commit and rollback events then tell how many write
transactions ran, which are open right now and on which threads. On SQLite
in WAL mode each committed durable write transaction is one fsync of the WAL
(checkpoints aside); a staged batch's commit (`writing(durable=False)`)
syncs nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, event

from intake.db import is_writing


@dataclass
class WriteCensus:
    """What the engine's write transactions did while the census was taken."""

    committed: int = 0
    rolled_back: int = 0
    # The threads (their idents) that committed a write transaction.
    committing_threads: set[int] = field(default_factory=set)
    # Each open write transaction's connection (its id) and the thread that began it.
    _open: dict[int, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def open(self) -> int:
        """How many write transactions are open at this moment."""
        with self._lock:
            return len(self._open)

    def open_on_this_thread(self) -> int:
        """How many write transactions the calling thread has open at this moment."""
        here = threading.get_ident()
        with self._lock:
            return sum(1 for thread in self._open.values() if thread == here)

    def _begin(self, connection: Connection) -> None:
        if is_writing(connection):
            with self._lock:
                self._open[id(connection)] = threading.get_ident()

    def _end(self, connection: Connection, *, committed: bool) -> None:
        with self._lock:
            thread = self._open.pop(id(connection), None)
            if thread is None:
                return
            if committed:
                self.committed += 1
                self.committing_threads.add(thread)
            else:
                self.rolled_back += 1


@contextmanager
def counting_writes(engine: Engine) -> Iterator[WriteCensus]:
    """Count the write transactions `engine` runs inside the block."""
    census = WriteCensus()

    def begin(connection: Connection) -> None:
        census._begin(connection)

    def commit(connection: Connection) -> None:
        census._end(connection, committed=True)

    def rollback(connection: Connection) -> None:
        census._end(connection, committed=False)

    hooks = (("begin", begin), ("commit", commit), ("rollback", rollback))
    for name, hook in hooks:
        event.listen(engine, name, hook)
    try:
        yield census
    finally:
        for name, hook in hooks:
            event.remove(engine, name, hook)
