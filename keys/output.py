"""Writing a command's output file: atomically when it is a regular file, directly when not.

A regular file is written to a private temporary file beside it and renamed
over it once complete, so a failure leaves the old file untouched and no
half-written one. Renaming over anything else would destroy it: run as root
with `-o /dev/null`, it would replace the machine's null device with a regular
file. So a character device, FIFO or socket already at the path is opened and
written in place, as the stock `age -o` does. A symbolic link is refused,
naming its target: renaming over it would replace the link, and following it
would write into a directory the caller never named.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from keys.errors import OutputError


def is_written_in_place(path: Path) -> bool:
    """Whether `path` names something other than a regular file (a device, FIFO, socket)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return False
    if stat.S_ISLNK(mode):
        raise OutputError(
            f"{path} is a symbolic link (to {os.readlink(path)}); give the target itself"
        )
    if stat.S_ISDIR(mode):
        raise OutputError(f"{path} is a directory")
    return not stat.S_ISREG(mode)


@contextlib.contextmanager
def writing_output(path: Path) -> Iterator[BinaryIO]:
    """Yield a stream for `path`'s new content; a regular file appears only if all succeeded."""
    if is_written_in_place(path):
        with _opened_in_place(path) as stream:
            yield stream
        return
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        # Checked again at the end: something that is no regular file is never replaced.
        if is_written_in_place(path):
            raise OutputError(f"{path} changed into something other than a file while written")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def _opened_in_place(path: Path) -> Iterator[BinaryIO]:
    # O_NOFOLLOW and no O_CREAT: if the name was swapped for a link or removed since
    # it was looked at, this fails instead of writing somewhere else.
    fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            raise OutputError(f"{path} changed into a regular file while opened")
        handle = os.fdopen(fd, "wb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        yield handle
