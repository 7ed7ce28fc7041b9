"""The report document inside report.age: what intake writes and review reads.

The document itself is described in docs/pickup-bundle.md; these are the
names and limits that must not drift apart between the two apps.
"""

from __future__ import annotations

FORMAT = "haven-report"
VERSION = 1
# The largest report.age either side handles, ciphertext size (its plaintext is
# a little smaller). It bounds what every unlock decrypts into memory per case.
MAX_REPORT_BYTES = 1024 * 1024
# Room kept in MAX_REPORT_BYTES for the age framing around the document: the
# header (about 1.6 KB a hybrid recipient, so this holds some thirty reviewers)
# and 16 bytes a 64 KiB chunk (272 bytes at this size). Intake refuses a
# recipients file whose header would not fit (intake/config.py).
AGE_OVERHEAD_BYTES = 48 * 1024
# The largest encoded report document (the UTF-8 JSON inside report.age) intake
# writes: with the framing it stays within MAX_REPORT_BYTES, which review enforces.
MAX_DOCUMENT_BYTES = MAX_REPORT_BYTES - AGE_OVERHEAD_BYTES

# Bounds on each value a reporter supplies, counted in characters before JSON
# escaping (a control character escapes to six bytes, \u0000). Intake refuses
# what exceeds them; review may rely on them.
# RFC 6838 allows 127 characters each for type and subtype.
MAX_CONTENT_TYPE_CHARS = 255
# Most file systems' limit on one name.
MAX_FILE_NAME_CHARS = 255
# A one-line answer, and the ceiling an operator may raise a long answer to.
MAX_SHORT_ANSWER_CHARS = 300
MAX_LONG_ANSWER_CHARS = 50_000
# The questionnaire whose answers these documents carry (intake/questionnaire.py);
# review's labels (review/casefile/choices.py) are written for it. 2.0.0 asks
# the places (state, country, police country) as codes (contracts/places.py);
# review still reads 1.0.0's free-text places.
QUESTIONNAIRE_VERSION = "2.0.0"

# Answers review reads by name: the danger check, the inbox filters, the story.
DANGER_NOW = "danger_now"
CATEGORIES = "categories"
STATE = "state"
COUNTRY = "country"
NARRATIVE = "narrative"
CONSENT = "consent"
