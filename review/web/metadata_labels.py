"""The metadata an attachment carries, labelled in the reviewer's language.

review/casefile/attachment_metadata.py names each field it finds with a fixed
English label (and its warnings depend on those exact names); the page shows
them translated. A label the file itself wrote (a PNG text keyword) stays the
file's own words, behind a translated prefix, so it still cannot pose as one of
ours. The "Note" values are ours too; every other value is the file's.
"""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from review.casefile.attachment_metadata import (
    MAKER_NOTE_UNREAD,
    UNREADABLE_METADATA,
    UNREADABLE_XMP,
)
from review.casefile.labels import display_label

LABELS: dict[str, LazyString] = {
    "Device maker": _l("Device maker"),
    "Device model": _l("Device model"),
    "Device serial number": _l("Device serial number"),
    "Software": _l("Software"),
    "Modified": _l("Modified"),
    "Artist": _l("Artist"),
    "Copyright": _l("Copyright"),
    "Taken": _l("Taken"),
    "Digitised": _l("Digitised"),
    "Camera owner": _l("Camera owner"),
    "Lens model": _l("Lens model"),
    "Lens maker": _l("Lens maker"),
    "Lens serial number": _l("Lens serial number"),
    "Host computer": _l("Host computer"),
    "Image description": _l("Image description"),
    "Document name": _l("Document name"),
    "GPS location": _l("GPS location"),
    "Place": _l("Place"),
    "Author": _l("Author"),
    "Creator": _l("Creator"),
    "Created": _l("Created"),
    "Last modified by": _l("Last modified by"),
    "Company": _l("Company"),
    "Note": _l("Note"),
}
# The prefix attachment_metadata.py gives a PNG's own text keywords.
PNG_TEXT_PREFIX = "PNG text: "
NOTE_VALUES: dict[str, LazyString] = {
    "unreadable archive": _l("unreadable archive"),
    "too many entries to inspect": _l("too many entries to inspect"),
    UNREADABLE_METADATA: _l("metadata could not be read"),
    UNREADABLE_XMP: _l("XMP metadata could not be read in full"),
    MAKER_NOTE_UNREAD: _l("camera maker's private data (can hold the camera's serial number), "
                          "not read"),
}
# The note of one unreadable member: its name follows (attachment_metadata.py, _office).
UNREADABLE_MEMBER = "unreadable archive member "


def metadata_label(label: str) -> str:
    """`label` in the reviewer's language; a PNG keyword kept as the file wrote it."""
    if label.startswith(PNG_TEXT_PREFIX):
        return str(_("PNG text: %(keyword)s", keyword=label.removeprefix(PNG_TEXT_PREFIX)))
    return display_label(LABELS, label)


def metadata_value(label: str, value: str) -> str:
    """`value` as shown: our own notes translated, the file's values as they are."""
    if label != "Note":
        return value
    if value.startswith(UNREADABLE_MEMBER):
        return str(_("unreadable archive member %(member)s",
                     member=value.removeprefix(UNREADABLE_MEMBER)))
    return display_label(NOTE_VALUES, value)
