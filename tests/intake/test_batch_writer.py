"""The batch writer: one store at a time, in order, its failure raised in the request's thread."""

from __future__ import annotations

import functools
import hashlib
import threading

import pytest

from intake.batch_writer import BatchWriter


class StoreFailed(Exception):
    """Stands for a database error while a batch is stored."""


def failing() -> None:
    raise StoreFailed


def test_a_failed_store_is_raised_by_the_next_wait() -> None:
    writer = BatchWriter()
    writer.start(failing)
    with pytest.raises(StoreFailed):
        writer.wait()
    writer.wait()  # raised once: nothing is left in flight


def test_a_failed_store_stops_the_next_one_from_running() -> None:
    writer = BatchWriter()
    ran: list[str] = []
    writer.start(failing)
    with pytest.raises(StoreFailed):
        writer.start(lambda: ran.append("next"))
    writer.wait()
    assert ran == []


def test_abandon_waits_and_forgets_the_failure() -> None:
    writer = BatchWriter()
    done = threading.Event()

    def fails_when_done() -> None:
        done.set()
        raise StoreFailed

    writer.start(fails_when_done)
    writer.abandon()
    assert done.is_set()
    writer.wait()


def test_stores_run_one_at_a_time_in_the_order_handed_over() -> None:
    writer = BatchWriter()
    lock = threading.Lock()
    running = 0
    most_running = 0
    order: list[int] = []
    block = bytes(1 << 20)

    def store(number: int) -> None:
        nonlocal running, most_running
        with lock:
            running += 1
            most_running = max(most_running, running)
        # Work that lets go of the GIL, so stores allowed to overlap would overlap.
        for _ in range(8):
            hashlib.sha256(block).digest()
        order.append(number)
        with lock:
            running -= 1

    for number in range(20):
        writer.start(functools.partial(store, number))
    writer.wait()
    assert order == list(range(20))
    assert most_running == 1
