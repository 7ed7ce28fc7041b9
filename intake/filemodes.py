"""Who else may touch intake's files: the data directory, the database, the recipients file.

Intake's files belong to the account that runs it. A file another account can
write is a file that account controls: the recipients file decides who can read
every report that arrives later, and the data directory decides what the other
names in it point to. These checks refuse such files at start-up, and the
database is created so that no other account can ever read it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from intake.errors import ConfigError

# Permission bits of the group and of everyone else.
OTHERS = stat.S_IRWXG | stat.S_IRWXO
OTHERS_WRITE = stat.S_IWGRP | stat.S_IWOTH
PRIVATE_FILE_MODE = 0o600
PRIVATE_DIRECTORY_MODE = 0o700


def mode_of(path: Path) -> int:
    """The permission bits of `path`."""
    return stat.S_IMODE(path.stat().st_mode)


def refuse_writable_by_others(path: Path, *, variable: str, consequence: str, fix: str) -> None:
    """Raise ConfigError naming `path`, `consequence` and `fix` if others may write `path`."""
    mode = mode_of(path)
    if mode & OTHERS_WRITE:
        raise ConfigError(
            f"{variable}: {path} is writable by other accounts (mode {mode:04o}): "
            f"{consequence}; run `{fix} {path}`"
        )


def create_private_file(path: Path) -> None:
    """Create `path` empty with mode 0600 if it does not exist; leave an existing one alone.

    SQLite gives its -wal and -shm files the mode of the database file, so a
    database created here keeps all three private whatever the umask.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        return
    os.close(fd)


def make_directory_private(path: Path) -> None:
    """Set `path`'s mode to 0700, so other accounts can neither list nor change it."""
    path.chmod(PRIVATE_DIRECTORY_MODE)
