"""The derivation gate: slots handed over in arrival order, submissions before check-backs.

Every wait here is on a condition (a thread queued, a thread entered), never on
time: threads are queued one at a time, each after the gate counts the one before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest

from intake.app import create_app
from intake.config import IntakeConfig
from intake.derivation_gate import DerivationGate
from intake.errors import CheckBackBusy, DerivationsBusy
from intake.serve import derivation_slots
from intake.state import state_of
from tests.support import WAIT_SECONDS, wait_until


def gate_of(slots: int) -> DerivationGate:
    return DerivationGate(
        slots=slots,
        checkbacks_per_minute=1000,
        checkback_wait_seconds=WAIT_SECONDS,
        submission_wait_seconds=WAIT_SECONDS,
    )


class Queue:
    """Threads entering `gate` one after another, each recording its name when it is in."""

    def __init__(self, gate: DerivationGate) -> None:
        self.gate = gate
        self.entered: list[str] = []
        self.threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def join(self, name: str, slot: Callable[[], AbstractContextManager[None]]) -> None:
        """Start a thread that waits for `slot`; return once the gate counts it waiting."""
        queued = self.gate.waiting()

        def enter() -> None:
            with slot(), self._lock:
                self.entered.append(name)

        thread = threading.Thread(target=enter)
        thread.start()
        self.threads.append(thread)
        wait_until(lambda: self.gate.waiting() == queued + 1, failure=f"{name} never queued")

    def finish(self) -> list[str]:
        for thread in self.threads:
            thread.join(WAIT_SECONDS)
        return self.entered


def test_submissions_get_a_freed_slot_in_the_order_they_came() -> None:
    gate = gate_of(1)
    queue = Queue(gate)
    with gate.for_submission():
        for n in range(6):
            queue.join(f"report {n}", gate.for_submission)
    assert queue.finish() == [f"report {n}" for n in range(6)]


def test_a_waiting_submission_goes_before_check_backs_that_came_earlier() -> None:
    gate = gate_of(1)
    queue = Queue(gate)
    with gate.for_submission():
        queue.join("check-back 1", gate.for_check_back)
        queue.join("courier", gate.for_courier)
        queue.join("report", gate.for_submission)
        queue.join("check-back 2", gate.for_check_back)
    assert queue.finish() == ["report", "check-back 1", "courier", "check-back 2"]


def test_a_freed_slot_is_the_waiters_before_its_thread_wakes() -> None:
    """A semaphore lets a newcomer take a freed slot before the woken waiter runs."""
    gate = gate_of(1)
    queue = Queue(gate)
    inside, leave = threading.Event(), threading.Event()

    def waiter() -> None:
        with gate.for_submission():
            inside.set()
            leave.wait(WAIT_SECONDS)

    holder = gate.for_submission()
    holder.__enter__()
    thread = threading.Thread(target=waiter)
    thread.start()
    wait_until(lambda: gate.waiting() == 1, failure="the waiter never queued")
    holder.__exit__(None, None, None)
    # The slot is already the waiter's, so a newcomer must queue behind it.
    queue.join("newcomer", gate.for_submission)
    assert inside.wait(WAIT_SECONDS)
    assert queue.entered == []
    leave.set()
    thread.join(WAIT_SECONDS)
    assert queue.finish() == ["newcomer"]


def test_a_single_slot_still_serves_check_backs_when_no_report_waits() -> None:
    gate = gate_of(1)
    assert gate.checkback_slots == 1
    with gate.for_check_back():
        pass
    with gate.for_courier():
        pass


def test_check_backs_hold_at_most_their_share_and_leave_the_rest_to_reports() -> None:
    gate = DerivationGate(slots=4, checkbacks_per_minute=1000, checkback_wait_seconds=0)
    first, second = gate.for_check_back(), gate.for_check_back()
    first.__enter__()
    second.__enter__()
    with pytest.raises(CheckBackBusy), gate.for_check_back():
        pass
    with gate.for_submission(), gate.for_submission():
        pass
    second.__exit__(None, None, None)
    with gate.for_check_back():
        pass
    first.__exit__(None, None, None)


def test_a_waiter_that_gives_up_leaves_the_queue_and_the_slot_count_whole() -> None:
    gate = DerivationGate(slots=1, checkbacks_per_minute=1000, submission_wait_seconds=0)
    with gate.for_submission():
        with pytest.raises(DerivationsBusy), gate.for_submission():
            pass
        assert gate.waiting() == 0
    # Exactly one slot again: one enters, a second (not waiting) is refused.
    with gate.for_submission(), pytest.raises(DerivationsBusy), gate.for_submission():
        pass


def test_a_gate_needs_a_slot() -> None:
    with pytest.raises(ValueError):
        DerivationGate(slots=0, checkbacks_per_minute=1)


@pytest.mark.parametrize(
    ("workers", "cores", "slots"),
    [(2, 2, 1), (1, 2, 2), (2, 8, 4), (3, 8, 2), (4, 2, 1), (1, 1, 1)],
)
def test_each_worker_gets_its_share_of_the_cores(workers: int, cores: int, slots: int) -> None:
    assert derivation_slots(workers=workers, cores=cores) == slots


def test_the_app_gates_with_the_slots_it_is_given(config: IntakeConfig) -> None:
    app = create_app(config.__class__(**{**config.__dict__, "derivation_slots": 1}))
    try:
        assert state_of(app).gate.slots == 1
    finally:
        state_of(app).leases.stop()
        state_of(app).engine.dispose()
