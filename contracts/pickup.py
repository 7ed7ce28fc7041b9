"""The pickup bundle: what intake writes and review reads (docs/pickup-bundle.md)."""

from __future__ import annotations

import re

FORMAT = "haven-pickup"
# Version 3 added `follows` to submission entries: a follow-up names its case.
# Version 4 added `urgent`: the reporter said someone is in danger now.
VERSION = 4
# What a reader accepts: version 2 reads as version 3 with no follow-ups, and
# versions 2 and 3 as version 4 with nothing urgent.
READABLE_VERSIONS = frozenset({2, 3, 4})
# Version 1 bundles carried no signature; review refuses them by name.
UNSIGNED_VERSION = 1
# The first two tar members, in this order.
MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "manifest.json.sig"
# A manifest is a list of names and hashes; anything this large is an attack, not a pickup.
MAX_MANIFEST_BYTES = 16 * 1024 * 1024

# The kinds of age file a submission is made of, and their names.
REPORT = "report"
ATTACHMENT = "attachment"
REPORT_NAME = "report.age"
# [0-9], not \d: \d matches every Unicode decimal digit (attachment-١٢٣.age).
ATTACHMENT_NAME = re.compile(r"attachment-(?!000)[0-9]{3,}\.age")


def attachment_name(number: int) -> str:
    """The stored name of the `number`th attachment (from 1): attachment-001.age."""
    if number < 1:
        raise ValueError("attachments are numbered from 1")
    return f"attachment-{number:03d}.age"


def member_name(submission_id: str, file_name: str) -> str:
    """The tar member name of one file of a submission."""
    return f"submissions/{submission_id}/{file_name}"
