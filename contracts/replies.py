"""The reply bundle: what review writes and intake loads (docs/reply-bundle.md)."""

from __future__ import annotations

import re

FORMAT = "haven-replies"
# Version 2 says its reply documents are numbered (DOCUMENT_VERSION): they carry their
# own order, so intake loads such bundles in any order within its window. Version 1
# bundles come from a review that wrote unnumbered documents, ordered only as they
# are loaded, so intake loads those of one signer only in rising sequence.
VERSION = 2
VERSION_UNNUMBERED = 1
# A bundle's sequence is stored as a signed 64-bit integer on both sides.
MAX_SEQUENCE = 2**63 - 1
# The first two tar members, in this order, as in a pickup bundle.
MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "manifest.json.sig"
# Replies are short; a bundle this large is an attack, not a week of answers.
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
MAX_REPLIES = 10_000
# One reply's age file: a hybrid post-quantum stanza (about 1.6 KB) and at most
# MAX_TEXT_CHARS characters of UTF-8 text (4 bytes each at worst), with room.
MAX_REPLY_FILE_BYTES = 64 * 1024
MAX_TEXT_CHARS = 5_000
REPLY_NAME = re.compile(r"replies/[0-9a-f]{32}\.age")

# The reply document inside each replies/<reply-id>.age. Version 2 adds "number",
# the reply's place among its case's replies, which orders what the reporter
# reads; intake still reads version 1 (ordered as it was loaded).
DOCUMENT_FORMAT = "haven-reply"
DOCUMENT_VERSION = 2
DOCUMENT_VERSION_UNNUMBERED = 1

# Canned status messages a reviewer may choose; intake shows each in the
# reporter's language (its own catalog), review in the reviewer's. A name is
# never renamed or reused for another meaning within VERSION.
STATUSES = (
    "received",            # We have received your report.
    "reading",             # We are reading your report.
    "may_contact",         # We may contact you, in the way you asked.
    "referred_to_lawyer",  # We have referred your report to a lawyer.
    "closed",              # We have closed your report.
)


def reply_member_name(reply_id: str) -> str:
    """The tar member name of one reply's age file."""
    return f"replies/{reply_id}.age"
