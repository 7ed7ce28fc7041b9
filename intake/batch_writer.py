"""A staged submission's batches stored on a thread beside the request's, one at a time.

The request's thread reads the body, hashes, encrypts and queues; while it
fills the next batch, the one before is stored (its insert, its commit and the
commit's fsync) on a thread of its own, so the upload does not stop for the
disk every 4 MiB. At most one batch is in flight: handing over a batch first
waits for the one before it to be stored, so an upload holds at most two
batches of ciphertext (the one being stored and the one being filled), and
its batches are committed in the order they were filled.

Only the storing thread takes the write lock, and only on bytes already in
hand: it never waits on the network, however slowly the client sends. What a
store asks to run `afterwards` (a checkpoint of the log) runs on its thread
once the batch is stored, and is not waited for: the next batch may be stored
meanwhile.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class BatchWriter:
    """Runs one batch's store at a time on a thread of its own; wait() raises what it raised."""

    def __init__(self) -> None:
        self._stored: threading.Event | None = None
        self._failure: BaseException | None = None

    def start(
        self, store: Callable[[], None], *, afterwards: Callable[[], None] | None = None
    ) -> None:
        """Run `store` on a thread of its own once the store before it has finished.

        `afterwards` runs on that thread once `store` has succeeded; nothing waits for it.
        """
        self.wait()
        stored = threading.Event()
        # One short-lived thread a batch rather than one waiting for the upload's
        # whole life: nothing to stop on any way out of the request, nothing left over.
        # The store is handed over in a list its thread empties, so the batch it holds
        # is freed once stored, not when the thread ends.
        thread = threading.Thread(
            target=self._run, args=([store], stored, afterwards), name="haven-batch"
        )
        # Recorded once the thread runs: a thread that could not start (no thread left
        # under the process's task limit) raises here, and there is no store to wait
        # for when the upload is discarded.
        thread.start()
        self._stored = stored

    def wait(self) -> None:
        """Return once the store in flight has finished; raise what it raised, here."""
        stored, self._stored = self._stored, None
        if stored is None:
            return
        stored.wait()
        failure, self._failure = self._failure, None
        if failure is not None:
            raise failure

    def abandon(self) -> None:
        """Return once the store in flight has ended, whatever it raised: it is being discarded.

        Its failure, if any, is the upload's, which is failing already (or was
        refused); what it did store is deleted with the rest of the submission.
        """
        stored, self._stored = self._stored, None
        if stored is not None:
            stored.wait()
        self._failure = None

    def _run(
        self,
        handed: list[Callable[[], None]],
        stored: threading.Event,
        afterwards: Callable[[], None] | None,
    ) -> None:
        store = handed.pop()
        try:
            store()
        except BaseException as failure:
            # Raised in the request's thread by wait(): the upload fails there, as
            # if the batch had been written in line, and its owner discards it.
            self._failure = failure
            return
        finally:
            del store
            stored.set()
        if afterwards is not None:
            afterwards()
