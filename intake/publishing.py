"""Completing a submission: encrypt the report, derive the receipt, publish in one commit."""

from __future__ import annotations

from collections.abc import Sequence

import keys
from contracts.report import MAX_DOCUMENT_BYTES
from intake.errors import ReportTooLarge
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
) -> str:
    """Store the encrypted report, publish the submission, and return its new receipt code.

    Raises ReportTooLarge, before anything more is stored, when the report document
    would be larger than review accepts: a report review refuses is a report lost.
    """
    document = encode_report_document(
        build_report_document(
            answers=answers,
            attachments=received.attachments,
            # The day staged.publish() writes into the row, drawn once for both.
            received_day=staged.day,
            language=language,
        )
    )
    if len(document) > MAX_DOCUMENT_BYTES:
        raise ReportTooLarge(received.fields, files_dropped=bool(received.attachments))
    # The receipt comes first: it is the step that depends on the code drawn, so a
    # fault there is met before the report is encrypted, not after.
    code = generate_receipt_code()
    receipt = derive_receipt_keys(code, pepper=pepper, cost=receipt_cost)
    chunks = staged.open_report()
    with keys.encrypting(as_binary_io(chunks), recipients=recipients) as age:
        age.write(document)
    chunks.finish()
    staged.publish(
        receipt_lookup_id=receipt.lookup_id,
        reply_recipient=str(receipt.reply_identity.recipient()),
    )
    # The code leaves the server only in this response; its private half is dropped here.
    return code
