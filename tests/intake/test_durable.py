"""Giving a finished bundle its name: atomically, never over another file, even on FAT."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from intake import durable


def _no_hard_links(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        # What Linux answers for link() on FAT and exFAT, the USB sticks bundles travel on.
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(durable.os, "link", refuse)


@pytest.mark.parametrize("hard_links", [True, False], ids=["link", "no-hard-links"])
def test_the_complete_file_takes_the_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hard_links: bool
) -> None:
    if not hard_links:
        _no_hard_links(monkeypatch)
    partial, final = tmp_path / "bundle.tar.partial", tmp_path / "bundle.tar"
    partial.write_bytes(b"whole bundle")
    durable.publish_without_replacing(partial, final)
    assert final.read_bytes() == b"whole bundle"


@pytest.mark.parametrize("hard_links", [True, False], ids=["link", "no-hard-links"])
def test_an_existing_file_is_never_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hard_links: bool
) -> None:
    if not hard_links:
        _no_hard_links(monkeypatch)
    partial, final = tmp_path / "bundle.tar.partial", tmp_path / "bundle.tar"
    partial.write_bytes(b"new")
    final.write_bytes(b"an earlier bundle")
    with pytest.raises(FileExistsError):
        durable.publish_without_replacing(partial, final)
    assert final.read_bytes() == b"an earlier bundle"


def test_other_link_errors_are_not_papered_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_space(*_: object, **__: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(durable.os, "link", no_space)
    partial, final = tmp_path / "bundle.tar.partial", tmp_path / "bundle.tar"
    partial.write_bytes(b"x")
    with pytest.raises(OSError) as raised:
        durable.publish_without_replacing(partial, final)
    assert raised.value.errno == errno.ENOSPC
    assert not final.exists()


def test_a_failed_rename_leaves_no_empty_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_hard_links(monkeypatch)

    def full_disk(*_: object, **__: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(durable.os, "replace", full_disk)
    partial, final = tmp_path / "bundle.tar.partial", tmp_path / "bundle.tar"
    partial.write_bytes(b"whole bundle")
    with pytest.raises(OSError):
        durable.publish_without_replacing(partial, final)
    assert not final.exists()
