"""Making a file and its directory entry survive a power cut before anything depends on them."""

from __future__ import annotations

import errno
import os
from pathlib import Path


def fsync_file(path: Path) -> None:
    """Flush the contents of the file at `path` to stable storage."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_directory(path: Path) -> None:
    """Flush the entries of directory `path`: a new name is durable only after this."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# Errors with which file systems without hard links (FAT, exFAT: the USB sticks
# bundles travel on) refuse os.link.
_NO_HARD_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV}


def publish_without_replacing(partial: Path, final: Path) -> None:
    """Give the complete file `partial` its final name, never replacing an existing file.

    A hard link does it atomically. Where the file system has none, an empty
    placeholder is created with O_EXCL (so two writers still cannot both win)
    and the complete file is renamed over it.
    """
    try:
        os.link(partial, final)
    except OSError as error:
        if error.errno not in _NO_HARD_LINKS:
            raise
        placeholder = os.open(final, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(placeholder)
        try:
            os.replace(partial, final)
        except OSError:
            # Leave no empty file that looks like a bundle and blocks the next pickup.
            if final.stat().st_size == 0:
                final.unlink()
            raise
