"""Each attachment inspected once per unlocked session, the outcome kept in that session's memory.

Inspecting decrypts part of a file (a few chunks: review/casefile/attachments.py)
and parses bytes a hostile reporter chose. When it decrypted up to 32 MiB on
every view, one case with a few such files kept worker threads busy for tens
of seconds per view, and four views held every thread the server has.
The outcome is small (a type, at most 50 short fields, warnings) and says what
a file reveals about its sender, so it is held only where the decrypted reports
already are: in the session's library, dropped with it, never written anywhere.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import keys
from review.casefile.attachments import Inspected, inspect_file
from review.workspace.models import StoredFile
from review.workspace.store import Workspace


@dataclass(frozen=True)
class CaseInspection:
    """A case's attachments as inspected, and how many had to be decrypted for this call."""

    attachments: list[Inspected]
    decrypted: int


class AttachmentInspections:
    """Inspection outcomes by case, each attachment computed at most once."""

    def __init__(self) -> None:
        # case id -> (stored name, SHA-256 of its ciphertext) -> outcome
        self._outcomes: dict[str, dict[tuple[str, str], Inspected]] = {}
        self._case_locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def of_case(
        self,
        workspace: Workspace,
        case_id: str,
        files: Sequence[StoredFile],
        *,
        identities: Sequence[keys.Identity],
    ) -> CaseInspection:
        """Every file's outcome, inspecting only the files not inspected before."""
        # One lock per case: two requests for the same new case wait for one
        # inspection instead of both doing it; other cases are not held up.
        lock = self._lock_for(case_id)
        with lock:
            with self._guard:
                known = dict(self._outcomes.get(case_id, {}))
            missing = [f for f in files if (f.name, f.sha256) not in known]
            for file in missing:
                known[(file.name, file.sha256)] = inspect_file(
                    workspace, file, identities=identities)
            with self._guard:
                # A case forgotten meanwhile (removed) stays forgotten.
                if self._case_locks.get(case_id) is lock:
                    self._outcomes[case_id] = known
        return CaseInspection([known[(f.name, f.sha256)] for f in files], len(missing))

    def forget(self, case_ids: Collection[str]) -> None:
        """Drop what was found in the attachments of `case_ids` (removed from the workspace)."""
        with self._guard:
            for case_id in case_ids:
                self._outcomes.pop(case_id, None)
                self._case_locks.pop(case_id, None)

    def _lock_for(self, case_id: str) -> threading.Lock:
        with self._guard:
            return self._case_locks.setdefault(case_id, threading.Lock())
