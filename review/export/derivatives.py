"""The redacted copies an evidence package carries under data/derivatives/.

Originals are never altered (data/originals/ holds them byte for byte); these
are the copies that may be shared more widely: images without their location,
device and time metadata (review/export/clean_image.py) and the report's text
without the reporter's identity, contact details and the strings a reviewer
marks (review/export/redact_text.py). Each result says what was removed, so
the package can log it next to the copy and its parent's hash.
"""

from __future__ import annotations

from review.export.clean_image import (
    FORMATS,
    ImageCleaningError,
    StrippedImage,
    UncleanableType,
    UnreadableImage,
    strip_image_metadata,
)
from review.export.redact_text import MARKER, RedactedText, Removal, redact_report_text

CLEANABLE_TYPES = frozenset(FORMATS)

__all__ = [
    "CLEANABLE_TYPES",
    "MARKER",
    "ImageCleaningError",
    "RedactedText",
    "Removal",
    "StrippedImage",
    "UncleanableType",
    "UnreadableImage",
    "redact_report_text",
    "strip_image_metadata",
]
