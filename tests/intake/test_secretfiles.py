"""The data directory's secrets: created whole or not at all, never replaced, never shared."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from intake.errors import SecretFileError
from intake.pickup_key import PICKUP_SIGNING_KEY_FILE, ensure_pickup_signing_key
from intake.secretfiles import (
    RECEIPT_PEPPER_FILE,
    SESSION_KEY_FILE,
    create_secret_files,
    read_secret_file,
)


def test_both_secrets_are_created_private_and_distinct(tmp_path: Path) -> None:
    create_secret_files(tmp_path / "data")
    session = read_secret_file(tmp_path / "data" / SESSION_KEY_FILE)
    pepper = read_secret_file(tmp_path / "data" / RECEIPT_PEPPER_FILE)
    assert session != pepper
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == sorted(
        [SESSION_KEY_FILE, RECEIPT_PEPPER_FILE]
    )


def test_a_failure_between_the_two_files_leaves_neither(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_link = os.link
    links: list[str] = []

    def second_link_fails(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        links.append(str(target))
        if len(links) == 2:
            raise OSError(28, "No space left on device")
        real_link(source, target)

    monkeypatch.setattr(os, "link", second_link_fails)
    with pytest.raises(OSError, match="No space"):
        create_secret_files(tmp_path / "data")
    assert len(links) == 2
    assert list((tmp_path / "data").iterdir()) == []
    monkeypatch.setattr(os, "link", real_link)
    create_secret_files(tmp_path / "data")  # and initialisation can simply be run again


@pytest.mark.parametrize("present", [SESSION_KEY_FILE, RECEIPT_PEPPER_FILE])
def test_a_half_initialised_directory_is_named_and_left_alone(
    tmp_path: Path, present: str
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / present).write_text("left by an interrupted init\n")
    with pytest.raises(SecretFileError, match="half-initialised"):
        create_secret_files(data_dir)
    assert (data_dir / present).read_text() == "left by an interrupted init\n"
    assert [p.name for p in data_dir.iterdir()] == [present]


def test_an_initialised_directory_is_never_replaced(tmp_path: Path) -> None:
    create_secret_files(tmp_path)
    pepper = read_secret_file(tmp_path / RECEIPT_PEPPER_FILE)
    with pytest.raises(SecretFileError, match="already initialised"):
        create_secret_files(tmp_path)
    assert read_secret_file(tmp_path / RECEIPT_PEPPER_FILE) == pepper


def test_the_pickup_signing_key_is_created_once_and_kept(tmp_path: Path) -> None:
    first = ensure_pickup_signing_key(tmp_path)
    path = tmp_path / PICKUP_SIGNING_KEY_FILE
    assert path.stat().st_mode & 0o777 == 0o600
    again = ensure_pickup_signing_key(tmp_path)
    assert again.public_key() == first.public_key()
    assert [p.name for p in tmp_path.iterdir()] == [PICKUP_SIGNING_KEY_FILE]
