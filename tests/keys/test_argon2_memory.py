"""Argon2id on reused blocks: the same output as argon2-cffi's, and no more blocks than at once."""

from __future__ import annotations

import threading

import pytest
from argon2.low_level import Type, hash_secret_raw

from keys import argon2_memory
from keys.argon2_memory import BLOCKS, argon2id_raw
from keys.errors import DerivationMemoryUnavailable


@pytest.mark.parametrize(
    ("secret", "salt", "time_cost", "memory_kib", "parallelism", "length"),
    [
        (b"correct horse battery staple", b"p" * 32, 2, 19456, 1, 32),
        (b"", b"salt" * 4, 1, 64, 1, 16),
        (b"\x00\xff" * 40, b"s" * 8, 3, 1024, 2, 64),
    ],
)
def test_the_same_output_as_argon2_cffi(
    secret: bytes, salt: bytes, time_cost: int, memory_kib: int, parallelism: int, length: int
) -> None:
    expected = hash_secret_raw(
        secret, salt, time_cost, memory_kib, parallelism, length, Type.ID
    )
    ours = argon2id_raw(
        secret, salt, time_cost=time_cost, memory_kib=memory_kib,
        parallelism=parallelism, length=length,
    )  # fmt: skip
    assert ours == expected


def test_one_derivation_after_another_reuses_one_block() -> None:
    # A size no other test uses, so the blocks counted are this test's.
    first = argon2id_raw(b"a", b"s" * 16, time_cost=1, memory_kib=72, parallelism=1, length=32)
    held = BLOCKS.held()
    for _ in range(5):
        again = argon2id_raw(b"a", b"s" * 16, time_cost=1, memory_kib=72, parallelism=1, length=32)
        assert again == first
    assert BLOCKS.held() == held


def test_concurrent_derivations_hold_no_more_blocks_than_run_at_once() -> None:
    before = BLOCKS.held()
    gate = threading.Semaphore(2)
    start = threading.Barrier(6)
    outputs: list[bytes] = []

    def derive() -> None:
        start.wait()
        for _ in range(3):
            with gate:
                outputs.append(argon2id_raw(
                    b"b", b"t" * 16, time_cost=1, memory_kib=80, parallelism=1, length=32
                ))  # fmt: skip

    threads = [threading.Thread(target=derive) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(outputs)) == 1 and len(outputs) == 18
    assert BLOCKS.held() - before <= 2


def test_a_refused_parameter_is_an_error_and_lends_nothing() -> None:
    held = BLOCKS.held()
    with pytest.raises(ValueError, match=r"(?i)salt"):
        argon2id_raw(b"a", b"s", time_cost=1, memory_kib=64, parallelism=1, length=32)
    assert BLOCKS.held() == held


def test_memory_the_kernel_refuses_is_a_derivation_memory_error(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    def refused(_size: int) -> object:
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(BLOCKS, "lend", refused)
    with pytest.raises(DerivationMemoryUnavailable):
        argon2id_raw(b"a", b"s" * 16, time_cost=1, memory_kib=80, parallelism=1, length=32)
    # Handled inside the callback: nothing for cffi to print past the app's logging.
    assert "Exception ignored" not in capfd.readouterr().err


def test_without_callbacks_argon2id_runs_on_argon2_cffis_own_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As in a process denied writable-executable memory, where cffi makes no callback.
    monkeypatch.setattr(argon2_memory.CALLBACKS, "pair", lambda: None)
    held = BLOCKS.held()
    ours = argon2id_raw(b"b", b"t" * 16, time_cost=1, memory_kib=88, parallelism=1, length=32)
    assert ours == hash_secret_raw(b"b", b"t" * 16, 1, 88, 1, 32, Type.ID)
    assert BLOCKS.held() == held
