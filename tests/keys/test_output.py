"""`haven keys -o PATH` replaces a regular file atomically and writes anything else in place."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

import keys
from haven.cli import main
from tests.support import WAIT_SECONDS

# /dev/null's device numbers: the node is made in a temporary directory, never
# is the machine's own /dev/null touched.
NULL_MAJOR, NULL_MINOR = 1, 3


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["keys", *args])
    return result.exit_code, result.output


def _encrypt_to(tmp_path: Path, output: Path) -> tuple[int, str]:
    identity = keys.X25519Identity.generate()
    plain = tmp_path / "plain.txt"
    plain.write_bytes(b"evidence")
    return _invoke("encrypt", "-r", str(identity.recipient()), "-o", str(output), str(plain))


def _null_device(path: Path) -> Path:
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(NULL_MAJOR, NULL_MINOR))
    except PermissionError:
        pytest.skip("mknod is not allowed here (needs root or CAP_MKNOD)")
    return path


def test_a_device_node_is_written_to_not_replaced(tmp_path: Path) -> None:
    device = _null_device(tmp_path / "null")
    code, output = _encrypt_to(tmp_path, device)
    assert code == 0, output
    after = os.lstat(device)
    assert stat.S_ISCHR(after.st_mode), "the device node is still a device node"
    assert os.major(after.st_rdev) == NULL_MAJOR and os.minor(after.st_rdev) == NULL_MINOR
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null", "plain.txt"]


def test_decrypt_writes_to_a_device_node_too(tmp_path: Path) -> None:
    device = _null_device(tmp_path / "null")
    identity = keys.X25519Identity.generate()
    (tmp_path / "key.txt").write_text(f"{identity}\n")
    encrypted = tmp_path / "e.age"
    encrypted.write_bytes(keys.encrypt(b"evidence", recipients=[identity.recipient()]))
    code, output = _invoke("decrypt", "-i", str(tmp_path / "key.txt"), "-o", str(device),
                           str(encrypted))
    assert code == 0, output
    assert stat.S_ISCHR(os.lstat(device).st_mode)


def test_a_fifo_gets_the_output_and_stays_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    # The reader opens the FIFO as a shell's `age -o pipe` consumer would.
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    code, output = _encrypt_to(tmp_path, fifo)
    reader.join(WAIT_SECONDS)
    assert code == 0, output
    assert not reader.is_alive()
    assert received[0].startswith(b"age-encryption.org/v1\n")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe", "plain.txt"]


def test_a_regular_file_is_still_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "out.age"
    target.write_bytes(b"old")
    code, output = _encrypt_to(tmp_path, target)
    assert code == 0, output
    assert target.read_bytes().startswith(b"age-encryption.org/v1\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.age", "plain.txt"]


def test_a_symbolic_link_is_refused_naming_its_target(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = tmp_path / "out.age"
    link.symlink_to(elsewhere / "real.age")
    code, output = _encrypt_to(tmp_path, link)
    assert code == 1
    assert f"{link} is a symbolic link (to {elsewhere / 'real.age'})" in output
    assert link.is_symlink() and list(elsewhere.iterdir()) == []
