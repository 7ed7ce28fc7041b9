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
# The questionnaire whose answers these documents carry (intake/questionnaire.py);
# review's labels (review/casefile/choices.py) are written for it.
QUESTIONNAIRE_VERSION = "1.0.0"

# Answers review reads by name: the danger check, the inbox filters, the story.
DANGER_NOW = "danger_now"
CATEGORIES = "categories"
STATE = "state"
COUNTRY = "country"
NARRATIVE = "narrative"
CONSENT = "consent"
