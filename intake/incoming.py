"""One submission from its first stored byte to publication or discard: the owner of its rows."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType

from sqlalchemy import Engine

import keys
from intake.chunks import ChunkWriter
from intake.days import Today
from intake.derivation_gate import DerivationGate
from intake.follow_up_writer import ConsentChange
from intake.publishing import publish_follow_up, publish_submission
from intake.receiving import ReceivedForm
from intake.staging import Leases, StagedSubmission
from keys.receipt import Argon2Cost


class IncomingSubmission:
    """Stages a submission when it first stores something; publishes it or deletes it.

    Used as a context manager, it discards whatever was staged on every way out
    of the block that did not publish: a refusal, a form sent back for
    correction, or a failure part-way through publishing.
    """

    def __init__(self, engine: Engine, *, today: Today, leases: Leases) -> None:
        self._engine = engine
        self._today = today
        self._leases = leases
        self._staged: StagedSubmission | None = None
        self._published = False

    def __enter__(self) -> IncomingSubmission:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        if not self._published:
            self.discard()

    def open_attachment(self) -> tuple[str, ChunkWriter]:
        """Start the next attachment file; return its stored name and its writer."""
        return self._stage().open_attachment()

    def publish(
        self,
        received: ReceivedForm,
        *,
        answers: dict[str, object],
        language: str,
        recipients: Sequence[keys.Recipient],
        pepper: bytes,
        receipt_cost: Argon2Cost,
        gate: DerivationGate,
    ) -> str:
        """Encrypt the report, publish the submission, and return its new receipt code."""
        code = publish_submission(
            self._stage(),
            received,
            answers=answers,
            language=language,
            recipients=recipients,
            pepper=pepper,
            receipt_cost=receipt_cost,
            gate=gate,
        )
        self._published = True
        return code

    def publish_follow_up(
        self,
        received: ReceivedForm,
        *,
        follows: str,
        message: str,
        consent: ConsentChange | None,
        language: str,
        recipients: Sequence[keys.Recipient],
    ) -> None:
        """Encrypt the follow-up document and publish it as a submission of case `follows`."""
        publish_follow_up(
            self._stage(),
            received,
            follows=follows,
            message=message,
            consent=consent,
            language=language,
            recipients=recipients,
        )
        self._published = True

    def discard(self) -> None:
        """Delete everything staged so far: the submission will not be published."""
        if self._staged is not None:
            self._staged.discard()
            self._staged = None

    def _stage(self) -> StagedSubmission:
        if self._staged is None:
            self._staged = StagedSubmission(self._engine, leases=self._leases, today=self._today)
        return self._staged
