"""Database engines: SQLite in WAL mode by default, PostgreSQL by URL."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import ConnectionPoolEntry

from intake.errors import WalNotTruncated
from intake.filemodes import create_private_file

# How long a writer waits for another's short transaction before giving up.
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Execution option marking a connection whose transaction will write.
_WRITES = "haven_writes"
# Execution option marking a write transaction whose commit need not wait for the disk.
_NOT_DURABLE = "haven_not_durable"
# Where a SQLite connection's current commit settings are remembered (its info dict).
_COMMIT_SETTINGS = "haven_commit_settings"
# SQLite's own default: a commit that leaves the log longer than this many pages
# (64 MiB of 64 KiB pages) checkpoints it into the database file.
WAL_AUTOCHECKPOINT_PAGES = 1000
# The database's page size: 64 KiB, few pages for the 1 MiB chunk blobs.
PAGE_SIZE_BYTES = 64 << 10
# Each connection's page cache: SQLite's default is 2 MiB whatever the page size,
# 32 of our 64 KiB pages, mostly 1 MiB blobs passing through. A pooled connection
# keeps its cache for its life, and a large upload keeps three busy at once (its
# batch, the checkpoint beside it, publication); the OS page cache is behind them.
CACHE_KIB = 512
# A log grown past this (by large uploads whose checkpoints ran beside them) is cut
# back to it when it next starts over, instead of keeping its largest size.
WAL_SIZE_LIMIT_BYTES = 64 << 20
# What SQLite keeps beside the database file while it is open.
_SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def make_engine(url: str) -> Engine:
    """Return an engine for `url`, with SQLite tuned for many short writers.

    A SQLite database file that does not exist yet is created here with mode 0600
    before SQLite opens it: SQLite would create it under the umask (0644 as a
    rule), and its -wal and -shm files take the database file's mode.
    """
    database = make_url(url).database
    if url.startswith("sqlite") and database and database != ":memory:":
        create_private_file(Path(database))
    engine = create_engine(
        url,
        pool_pre_ping=not url.startswith("sqlite"),
        # Error messages would otherwise quote bound values (receipt lookup ids,
        # reply recipients, submission ids) into logs and tracebacks.
        hide_parameters=True,
    )
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin)
    return engine


@contextmanager
def writing(engine: Engine, *, durable: bool = True) -> Iterator[Connection]:
    """Open a connection in a transaction that will write, committed on success.

    A durable commit returns once the transaction is on disk (SQLite's WAL
    fsynced, PostgreSQL's WAL flushed). With `durable=False` the commit returns
    without waiting for the disk: for rows nothing depends on until a later
    durable commit, as a staged submission's batches until publication. A crash
    of the machine may then undo the transaction, whole (never part of it, and
    never one before it), and the next durable commit makes it durable too:
    both databases keep one write-ahead log, flushed in order up to that commit.
    On SQLite such a commit also leaves the log unchecked: its writer runs
    checkpoint() when it chooses, and any durable commit checkpoints as usual.
    """
    with engine.connect() as connection:
        connection.execution_options(**{_WRITES: True, _NOT_DURABLE: not durable})
        with connection.begin():
            if not durable and engine.dialect.name == "postgresql":
                # For this transaction only: the connection's next one is durable again.
                connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            yield connection
    touch_database_files(engine)


def is_writing(connection: Connection) -> bool:
    """Whether `connection` runs a transaction opened by writing() (for instrumentation)."""
    return bool(connection.get_execution_options().get(_WRITES))


def touch_database_files(engine: Engine) -> None:
    """Set the SQLite files' access and modification times back to the start of the UTC day.

    Every commit sets the database's and its WAL's mtime to the second it
    happened: the time of the latest submission, to anyone who sees the data
    directory. After each write transaction they are set back to midnight UTC,
    so they tell the day, as the rows do. Their change time (ctime) cannot be
    set; the lease keeper calls this every few seconds whatever happens
    (intake/leases.py), so it tells only that intake was running then
    (docs/threat-model.md). PostgreSQL keeps its files elsewhere: out of scope.
    """
    if engine.dialect.name != "sqlite":
        return
    database = engine.url.database
    if not database or database == ":memory:":
        return
    midnight = datetime.combine(datetime.now(UTC).date(), time(), tzinfo=UTC).timestamp()
    for path in (database, *(database + suffix for suffix in _SQLITE_SIDE_FILES)):
        try:
            os.utime(path, (midnight, midnight))
        except FileNotFoundError:
            continue


@contextmanager
def reading_snapshot(engine: Engine) -> Iterator[Connection]:
    """Open a read-only transaction whose queries all see one moment of the database."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            # READ COMMITTED would let a purge land between two queries of one page.
            connection.execution_options(isolation_level="REPEATABLE READ")
        # SQLite in WAL mode: a deferred transaction reads one snapshot throughout.
        with connection.begin():
            yield connection


def truncate_wal(engine: Engine) -> None:
    """On SQLite, write every committed page into the database file and empty the WAL.

    secure_delete zeroes a deleted row's pages, but in WAL mode the zeroed pages
    are new frames appended to intake.sqlite3-wal: the frames that held the
    ciphertext stay in that file until SQLite happens to reuse them. A TRUNCATE
    checkpoint copies the zeroed pages over the database file's and cuts the WAL
    to zero bytes, so nothing of a purged row is left in either file. Raises
    WalNotTruncated if a reader kept the log busy beyond the busy timeout.
    PostgreSQL is out of scope (docs/intake.md says what remains there).
    """
    if engine.dialect.name != "sqlite":
        return
    busy, _frames = _wal_checkpoint(engine, "TRUNCATE")
    touch_database_files(engine)
    if busy:
        raise WalNotTruncated(
            "the database's write-ahead log is in use by a reader and could not be "
            "emptied; deleted ciphertext may remain in it until purge runs again"
        )


def checkpoint(engine: Engine) -> int | None:
    """On SQLite, copy the log's committed pages into the database file, waiting for no one.

    SQLite's PASSIVE checkpoint: it copies what no reader still needs and gives
    up on the rest, which the next checkpoint copies. Run beside the writes
    that filled the log, it takes the disk's time off their path; nothing
    depends on it having run (every durable commit checkpoints a long log
    itself), so a failure to run it is no one's error. Returns the log's
    length in pages, or None where there is no log or it could not be read.
    """
    if engine.dialect.name != "sqlite":
        return None
    try:
        busy, pages = _wal_checkpoint(engine, "PASSIVE")
    except (sqlite3.Error, SQLAlchemyError):
        return None
    # Busy: another checkpoint was running, and the log's length was not read.
    return None if busy else pages


def _wal_checkpoint(engine: Engine, mode: str) -> tuple[bool, int]:
    """Run SQLite's checkpoint of `mode`; return whether it was busy and the log's pages."""
    with engine.connect() as connection:
        # On the driver's connection, outside any transaction: one that is open
        # would itself be a reader the checkpoint has to wait for.
        dbapi_connection = connection.connection.dbapi_connection
        assert isinstance(dbapi_connection, sqlite3.Connection)
        busy, pages, _copied = dbapi_connection.execute(
            f"PRAGMA wal_checkpoint({mode})"
        ).fetchone()
    return bool(busy), int(pages)


def _configure_sqlite(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    assert isinstance(dbapi_connection, sqlite3.Connection)
    # We issue BEGIN ourselves (below), so the driver must not.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # Ciphertext chunks are 1 MiB blobs: 64 KiB pages store one in 16 overflow
    # pages instead of 256, roughly doubling write throughput. Takes effect only
    # when the database file is created (before WAL is switched on), as intended.
    cursor.execute(f"PRAGMA page_size={PAGE_SIZE_BYTES}")
    # WAL lets readers run beside the one writer; every write is one short transaction.
    cursor.execute("PRAGMA journal_mode=WAL")
    # An acknowledged submission is never lost: sync the WAL on every commit (but
    # those writing() was told need not be durable: _begin sets it every transaction).
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Purged ciphertext is overwritten with zeros instead of lingering in free pages.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT_BYTES}")
    cursor.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    cursor.close()


def _begin(connection: Connection) -> None:
    options = connection.get_execution_options()
    # FULL unless this very transaction was opened as not durable: a connection back
    # in the pool from a staged batch never carries NORMAL into another transaction.
    # NORMAL in WAL mode syncs nothing at commit, but still the WAL before every
    # checkpoint and the database file after it, so the next FULL commit's fsync of
    # the WAL makes every transaction before it durable. A commit that need not be
    # durable does not checkpoint either: its writer checkpoints beside its next
    # batch (checkpoint() below) instead of between the two.
    durable = not (options.get(_WRITES) and options.get(_NOT_DURABLE))
    settings = ("FULL", WAL_AUTOCHECKPOINT_PAGES) if durable else ("NORMAL", 0)
    info = connection.connection.info
    if info.get(_COMMIT_SETTINGS) != settings:
        connection.exec_driver_sql(f"PRAGMA synchronous={settings[0]}")
        connection.exec_driver_sql(f"PRAGMA wal_autocheckpoint={settings[1]}")
        info[_COMMIT_SETTINGS] = settings
    if options.get(_WRITES):
        # A writer takes the write lock at BEGIN, where busy_timeout applies, instead
        # of failing with "database is locked" when a deferred read upgrades to a write.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        # A reader takes no lock in WAL mode, so it never makes a writer wait.
        connection.exec_driver_sql("BEGIN")
