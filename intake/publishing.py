"""Completing a submission: encrypt its document, derive the receipt, publish in one commit."""

from __future__ import annotations

from collections.abc import Sequence

import keys
from contracts.report import MAX_DOCUMENT_BYTES
from intake.derivation_gate import DerivationGate
from intake.errors import DerivationsBusy, ReportTooLarge, SubmissionBusy
from intake.follow_up_writer import ConsentChange, build_follow_up_document
from intake.receiving import ReceivedForm
from intake.report_writer import build_report_document, encode_report_document
from intake.staging import StagedSubmission, as_binary_io
from keys.receipt import Argon2Cost, derive_receipt_keys, generate_receipt_code


def publish_submission(
    staged: StagedSubmission,
    received: ReceivedForm,
    *,
    answers: dict[str, object],
    language: str,
    recipients: Sequence[keys.Recipient],
    pepper: bytes,
    receipt_cost: Argon2Cost,
    gate: DerivationGate,
) -> str:
    """Store the encrypted report, publish the submission, and return its new receipt code.

    Raises ReportTooLarge, before anything more is stored, when the report document
    would be larger than review accepts: a report review refuses is a report lost.
    """
    report = build_report_document(
        answers=answers,
        attachments=received.attachments,
        # The day staged.publish() writes into the row, drawn once for both.
        received_day=staged.day,
        language=language,
    )
    document = encode_report_document(report)
    if len(document) > MAX_DOCUMENT_BYTES:
        raise ReportTooLarge(received.fields, files_dropped=bool(received.attachments))
    # The receipt comes first: it is the step that depends on the code drawn, so a
    # fault there is met before the report is encrypted, not after.
    code = generate_receipt_code()
    try:
        with gate.for_submission():
            receipt = derive_receipt_keys(code, pepper=pepper, cost=receipt_cost)
    except DerivationsBusy:
        # Before anything is published: the staged rows go with the submission's owner.
        raise SubmissionBusy(received.fields, files_dropped=bool(received.attachments)) from None
    _store_document(staged, document, recipients=recipients)
    staged.publish(
        receipt_lookup_id=receipt.lookup_id,
        reply_recipient=str(receipt.reply_identity.recipient()),
        # The one answer stored in the clear, until pickup (docs/threat-model.md).
        urgent=report["urgent"] is True,
    )
    # The code leaves the server only in this response; its private half is dropped here.
    return code


def publish_follow_up(
    staged: StagedSubmission,
    received: ReceivedForm,
    *,
    follows: str,
    message: str,
    consent: ConsentChange | None,
    language: str,
    recipients: Sequence[keys.Recipient],
) -> None:
    """Store the encrypted follow-up document and publish it as a submission of `follows`.

    Unlike a report it needs no size check: a message is bounded like a
    narrative and attachment names and types like a report's, which keeps the
    document far below MAX_DOCUMENT_BYTES (tests/intake/test_report_bounds.py).
    """
    document = build_follow_up_document(
        follows=follows,
        message=message,
        consent=consent,
        attachments=received.attachments,
        received_day=staged.day,
        language=language,
    )
    _store_document(staged, encode_report_document(document), recipients=recipients)
    # No receipt of its own: replies go to the case, whose first submission holds it.
    staged.publish(receipt_lookup_id=None, reply_recipient=None, follows=follows)


def _store_document(
    staged: StagedSubmission, plaintext: bytes, *, recipients: Sequence[keys.Recipient]
) -> None:
    # Encrypted as it is written: the document's plaintext exists only in memory.
    chunks = staged.open_report()
    with keys.encrypting(as_binary_io(chunks), recipients=recipients) as age:
        age.write(plaintext)
    chunks.finish()
