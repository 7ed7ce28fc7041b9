"""Argon2id with its memory mapped once per concurrent derivation and reused, outside malloc.

A receipt derivation needs 19 MiB. Given to malloc, each block is carved out
of the heap among the process's small allocations; once freed, the space
stays resident but cut up by whatever the process allocated meanwhile, so the
next derivation takes fresh pages at the top of the heap, and a busy intake
worker's heap kept growing past what its live derivations use (issue 11:
205-224 MiB a worker, two derivations at once). Unmapping each block instead
holds memory down but makes every derivation fault its 19 MiB in anew.

Here Argon2 gets its memory from the reference implementation's allocation
callbacks: anonymous mappings of exactly the size it asks for, kept on a free
list and lent to the next derivation. So a process holds as many blocks as
derivations ever ran in it at once (intake's derivation gate bounds that),
each faulted in once; the heap holds only the rest. Argon2 wipes its memory
before giving it back (argon2's clear_internal_memory, on by default), so a
reused block carries nothing of the previous derivation.

The callbacks need writable-executable memory, which Haven's systemd unit denies
(MemoryDenyWriteExecute): in such a process every derivation runs on
argon2-cffi's own allocation instead (the same output; the heap's behaviour), so
the memory figures of the load harness, measured without that restriction, are
the better case.
"""

from __future__ import annotations

import mmap
import threading
from typing import Any

# argon2-cffi's own compiled bindings: the argon2_ctx entry point, whose context
# carries the allocation callbacks argon2_hash does not expose.
from _argon2_cffi_bindings import ffi, lib
from argon2.exceptions import HashingError
from argon2.low_level import Type, hash_secret_raw

from keys.errors import DerivationMemoryUnavailable
from keys.vector_state import clear_vector_state

_ARGON2_MEMORY_ALLOCATION_ERROR = -22


class _Blocks:
    """Mappings lent to running derivations and kept for the next ones, by size."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._free: dict[int, list[tuple[mmap.mmap, Any]]] = {}
        self._lent: dict[int, tuple[int, tuple[mmap.mmap, Any]]] = {}

    def lend(self, size: int) -> Any:
        with self._lock:
            spare = self._free.get(size)
            block = spare.pop() if spare else None
        if block is None:
            mapping = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
            block = (mapping, ffi.from_buffer("uint8_t[]", mapping))
        address = int(ffi.cast("uintptr_t", block[1]))
        with self._lock:
            self._lent[address] = (size, block)
        return block[1]

    def take_back(self, memory: Any) -> None:
        with self._lock:
            size, block = self._lent.pop(int(ffi.cast("uintptr_t", memory)))
            self._free.setdefault(size, []).append(block)

    def held(self) -> int:
        """How many blocks this process has mapped, lent or free."""
        with self._lock:
            return len(self._lent) + sum(len(free) for free in self._free.values())


BLOCKS = _Blocks()


def _allocate(memory: Any, size: int) -> int:
    try:
        memory[0] = BLOCKS.lend(size)
    except (OSError, MemoryError):
        # The kernel refused the mapping: Argon2 reports a memory allocation error,
        # which argon2id_raw turns into DerivationMemoryUnavailable (a "try again"
        # for intake), instead of an exception cffi would print and swallow.
        return _ARGON2_MEMORY_ALLOCATION_ERROR
    return int(lib.ARGON2_OK)


def _give_back(memory: Any, _size: int) -> None:
    BLOCKS.take_back(memory)


class _Callbacks:
    """The two C callbacks, made at the first derivation, or None where they cannot be.

    cffi builds a callback from writable, then executable memory, which a process
    denied writable-executable mappings refuses (MemoryDenyWriteExecute in
    deploy/haven-intake.service, PR_SET_MDWE): there Argon2id runs on argon2-cffi's
    own allocation (malloc), the same function with the heap's memory behaviour.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._made = False
        self._pair: tuple[Any, Any] | None = None

    def pair(self) -> tuple[Any, Any] | None:
        with self._lock:
            if not self._made:
                self._made = True
                try:
                    self._pair = (
                        ffi.callback("int(uint8_t **, size_t)", _allocate,
                                     error=_ARGON2_MEMORY_ALLOCATION_ERROR),
                        ffi.callback("void(uint8_t *, size_t)", _give_back),
                    )  # fmt: skip
                except MemoryError:
                    self._pair = None
            return self._pair


CALLBACKS = _Callbacks()


def argon2id_raw(
    secret: bytes, salt: bytes, *, time_cost: int, memory_kib: int, parallelism: int, length: int
) -> bytes:
    """Argon2id (version 0x13) of `secret` under `salt`: what argon2-cffi's hash_secret_raw
    returns for the same parameters, with its memory from BLOCKS."""
    # The calling thread may have just sealed a file with ChaCha20-Poly1305, after
    # which Argon2 costs 1.75x its CPU (keys/vector_state.py).
    clear_vector_state()
    callbacks = CALLBACKS.pair()
    if callbacks is None:
        return _on_the_heap(secret, salt, time_cost=time_cost, memory_kib=memory_kib,
                            parallelism=parallelism, length=length)  # fmt: skip
    allocate, give_back = callbacks
    out = ffi.new("uint8_t[]", length)
    password = ffi.new("uint8_t[]", secret)
    salt_buffer = ffi.new("uint8_t[]", salt)
    context = ffi.new(
        "argon2_context *",
        {
            "out": out,
            "outlen": length,
            "pwd": password,
            "pwdlen": len(secret),
            "salt": salt_buffer,
            "saltlen": len(salt),
            "secret": ffi.NULL,
            "secretlen": 0,
            "ad": ffi.NULL,
            "adlen": 0,
            "t_cost": time_cost,
            "m_cost": memory_kib,
            "lanes": parallelism,
            "threads": parallelism,
            "version": lib.ARGON2_VERSION_NUMBER,
            "allocate_cbk": allocate,
            "free_cbk": give_back,
            "flags": lib.ARGON2_DEFAULT_FLAGS,
        },
    )
    result = lib.argon2_ctx(context, lib.Argon2_id)
    if result == _ARGON2_MEMORY_ALLOCATION_ERROR:
        raise DerivationMemoryUnavailable("no memory could be mapped for Argon2id")
    if result != lib.ARGON2_OK:
        raise ValueError(ffi.string(lib.argon2_error_message(result)).decode("ascii"))
    return bytes(ffi.buffer(out, length))


def _on_the_heap(
    secret: bytes, salt: bytes, *, time_cost: int, memory_kib: int, parallelism: int, length: int
) -> bytes:
    """argon2-cffi's hash_secret_raw, its failure to allocate told as ours."""
    try:
        return hash_secret_raw(secret, salt, time_cost, memory_kib, parallelism, length, Type.ID)
    except HashingError as error:
        if "Memory allocation" in str(error):
            raise DerivationMemoryUnavailable("no memory could be had for Argon2id") from None
        raise
