"""The workspace directory: its SQLite database and its content-addressed ciphertext store."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, select
from sqlalchemy.orm import Session, sessionmaker

import keys
from contracts import fields
from keys.signing import VerifyingKey
from review.errors import WorkspaceError
from review.workspace.models import Base, IntakeKey, Reviewer, StoredFile
from review.workspace.upgrade import SCHEMA_VERSION, UPGRADABLE, upgrade

DATABASE_NAME = "workspace.sqlite"
OBJECTS_DIR = "objects"
STAGING_DIR = "staging"
IMPORT_LOCK = "import.lock"
_HASH_CHUNK = 1024 * 1024


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling would send a plain BEGIN lazily; it
    # is switched off so the "begin" listeners below choose the kind of BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Imports and audit appends must survive a power cut on a laptop.
    cursor.execute("PRAGMA synchronous=FULL")
    # Replaced rows are overwritten, not left in free pages: after a reviewer
    # leaves, triage sealed to their key must not linger in the file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _begin_deferred(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


def _begin_immediate(connection: Connection) -> None:
    # A write transaction takes the write lock before its first read, so two
    # requests appending to the audit chain queue up instead of both reading
    # the same last entry and colliding on its sequence number.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _engine(path: Path, *, writer: bool) -> Engine:
    engine = create_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _begin_immediate if writer else _begin_deferred)
    return engine


@dataclass(frozen=True)
class Workspace:
    """An opened workspace: where its files live and how to talk to its database."""

    root: Path
    engine: Engine
    sessions: sessionmaker[Session]
    writer: Engine
    _write_sessions: sessionmaker[Session]

    @classmethod
    def create(cls, root: Path) -> Workspace:
        """Initialise an empty workspace in `root` (which may exist but must be empty)."""
        if root.exists() and any(root.iterdir()):
            raise WorkspaceError(f"{root} is not empty; refusing to initialise a workspace there")
        # Only the reviewer's account may read ciphertext and triage data; an
        # existing empty directory keeps its mode under mkdir, so set it.
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        root.chmod(0o700)
        (root / OBJECTS_DIR).mkdir(mode=0o700)
        (root / STAGING_DIR).mkdir(mode=0o700)
        # Created 0600 before SQLite opens it; SQLite gives -wal and -shm the same mode.
        os.close(os.open(root / DATABASE_NAME, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        workspace = cls._connect(root)
        Base.metadata.create_all(workspace.writer)
        with workspace.writer.begin() as connection:
            connection.exec_driver_sql(f"PRAGMA user_version={SCHEMA_VERSION}")
        return workspace

    @classmethod
    def open(cls, root: Path) -> Workspace:
        """Open an initialised workspace, upgrading an older schema it knows, refusing others."""
        if not (root / DATABASE_NAME).is_file():
            raise WorkspaceError(f"{root} is not a Haven workspace (run `haven review init`)")
        workspace = cls._connect(root)
        with workspace.engine.connect() as connection:
            version = connection.exec_driver_sql("PRAGMA user_version").scalar()
        if version in UPGRADABLE:
            upgrade(workspace.writer, workspace._write_sessions)
        elif version != SCHEMA_VERSION:
            workspace.dispose()
            raise WorkspaceError(
                f"{root} has workspace schema {version}, expected {SCHEMA_VERSION}"
            )
        return workspace

    @classmethod
    def _connect(cls, root: Path) -> Workspace:
        reader = _engine(root / DATABASE_NAME, writer=False)
        writer = _engine(root / DATABASE_NAME, writer=True)
        return cls(
            root=root,
            engine=reader,
            sessions=sessionmaker(reader, expire_on_commit=False),
            writer=writer,
            _write_sessions=sessionmaker(writer, expire_on_commit=False),
        )

    def checkpoint(self) -> None:
        """Copy the write-ahead log into the database file and empty it.

        Until then the pages a transaction replaced are still in the main file,
        and (with secure_delete) their zeroing only in the log.
        """
        connection = self.writer.raw_connection()
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write session (BEGIN IMMEDIATE) that commits on success and rolls back on error."""
        with self._write_sessions.begin() as session:
            yield session

    def object_path(self, sha256: str) -> Path:
        """Where the ciphertext whose SHA-256 is `sha256` is stored."""
        if not fields.SHA256.fullmatch(sha256):
            raise WorkspaceError("not a SHA-256 hex digest")
        return self.root / OBJECTS_DIR / sha256[:2] / sha256

    def store_object(self, staged: Path, sha256: str) -> None:
        """Move a verified staged file into the object store (call `make_durable` after).

        An object already there is kept only if it still hashes to its name:
        a damaged copy (a bad sector, an interrupted earlier import) is replaced.
        """
        target = self.object_path(sha256)
        target.parent.mkdir(mode=0o700, exist_ok=True)
        if target.is_file() and file_sha256(target) == sha256:
            staged.unlink()
            return
        os.replace(staged, target)

    def make_durable(self) -> None:
        """Put every stored object's bytes, and the renames that placed them, on disk.

        Called before the import's database commit, so a power cut can never
        leave a committed row pointing at an object that never reached the disk.
        One sync() covers the file data and every directory entry at once; an
        fsync per file and per directory gives the same guarantee at several
        times the cost of a 10,000-report import.
        """
        os.sync()

    def staging_dir(self) -> Path:
        """A directory on the same file system as the object store, for atomic moves."""
        return self.root / STAGING_DIR

    def clear_staging(self) -> None:
        """Remove whatever an interrupted import left in staging/ (call under import_lock)."""
        for leftover in self.staging_dir().iterdir():
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover)
            else:
                leftover.unlink()

    def collect_orphans(self) -> int:
        """Delete objects no file row refers to (an import that crashed before its commit)."""
        with self.sessions() as session:
            referenced = set(session.scalars(select(StoredFile.sha256)))
        removed = 0
        for path in (self.root / OBJECTS_DIR).glob("*/*"):
            if path.name not in referenced:
                path.unlink()
                removed += 1
        return removed

    @contextmanager
    def import_lock(self) -> Iterator[None]:
        """Hold the workspace's import lock, or raise WorkspaceError if another import has it."""
        with (self.root / IMPORT_LOCK).open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise WorkspaceError("another import into this workspace is running") from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def reviewers(self) -> list[Reviewer]:
        """Every reviewer of the workspace, by name."""
        with self.sessions() as session:
            return list(session.scalars(select(Reviewer).order_by(Reviewer.name)))

    def intake_keys(self) -> list[VerifyingKey]:
        """The pinned intake signing keys whose bundles this workspace accepts."""
        with self.sessions() as session:
            texts = list(session.scalars(select(IntakeKey.key).order_by(IntakeKey.key)))
        try:
            return [VerifyingKey.parse(text) for text in texts]
        except keys.SignatureError as error:
            raise WorkspaceError(f"a pinned intake key is unreadable: {error}") from None

    def dispose(self) -> None:
        """Close every database connection."""
        self.engine.dispose()
        self.writer.dispose()

    # A workspace is opened for one command or one app and closed with it:
    # `with Workspace.open(root) as workspace:` disposes of its connections
    # (and their file handles on the database) however the block ends.
    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.dispose()


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
