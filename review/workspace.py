"""The workspace directory: its SQLite database and its content-addressed ciphertext store."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from review.errors import WorkspaceError
from review.models import Base, Reviewer

DATABASE_NAME = "workspace.sqlite"
OBJECTS_DIR = "objects"
STAGING_DIR = "staging"
# Bumped when the schema changes; a workspace of another version is refused, not guessed at.
SCHEMA_VERSION = 1
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Imports and audit appends must survive a power cut on a laptop.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


@dataclass(frozen=True)
class Workspace:
    """An opened workspace: where its files live and how to talk to its database."""

    root: Path
    engine: Engine
    sessions: sessionmaker[Session]

    @classmethod
    def create(cls, root: Path) -> Workspace:
        """Initialise an empty workspace in `root` (which may exist but must be empty)."""
        if root.exists() and any(root.iterdir()):
            raise WorkspaceError(f"{root} is not empty; refusing to initialise a workspace there")
        # Only the reviewer's account may read ciphertext and triage data.
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        (root / OBJECTS_DIR).mkdir(mode=0o700)
        (root / STAGING_DIR).mkdir(mode=0o700)
        workspace = cls._connect(root)
        Base.metadata.create_all(workspace.engine)
        with workspace.engine.begin() as connection:
            connection.exec_driver_sql(f"PRAGMA user_version={SCHEMA_VERSION}")
        return workspace

    @classmethod
    def open(cls, root: Path) -> Workspace:
        """Open an initialised workspace, refusing one of an unknown schema version."""
        if not (root / DATABASE_NAME).is_file():
            raise WorkspaceError(f"{root} is not a Haven workspace (run `haven review init`)")
        workspace = cls._connect(root)
        with workspace.engine.connect() as connection:
            version = connection.exec_driver_sql("PRAGMA user_version").scalar()
        if version != SCHEMA_VERSION:
            raise WorkspaceError(
                f"{root} has workspace schema {version}, expected {SCHEMA_VERSION}"
            )
        return workspace

    @classmethod
    def _connect(cls, root: Path) -> Workspace:
        engine = create_engine(f"sqlite:///{root / DATABASE_NAME}")
        event.listen(engine, "connect", _sqlite_pragmas)
        return cls(root=root, engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any error."""
        with self.sessions.begin() as session:
            yield session

    def object_path(self, sha256: str) -> Path:
        """Where the ciphertext whose SHA-256 is `sha256` is stored."""
        if not _SHA256.fullmatch(sha256):
            raise WorkspaceError("not a SHA-256 hex digest")
        return self.root / OBJECTS_DIR / sha256[:2] / sha256

    def store_object(self, staged: Path, sha256: str) -> None:
        """Move a verified staged file into the object store (a no-op if already there)."""
        target = self.object_path(sha256)
        target.parent.mkdir(mode=0o700, exist_ok=True)
        if target.exists():
            staged.unlink()
            return
        os.replace(staged, target)

    def staging_dir(self) -> Path:
        """A directory on the same file system as the object store, for atomic moves."""
        return self.root / STAGING_DIR

    def reviewers(self) -> list[Reviewer]:
        """Every reviewer of the workspace, by name."""
        with self.sessions() as session:
            return list(session.scalars(select(Reviewer).order_by(Reviewer.name)))

    def dispose(self) -> None:
        """Close every database connection."""
        self.engine.dispose()
