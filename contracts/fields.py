"""The spelling of the fields every Haven file format shares (ids, hashes, days, key names).

[0-9], not \\d: \\d matches every Unicode decimal digit. Use with `fullmatch`.
"""

from __future__ import annotations

import re

# Submission, bundle and reply ids: 128 random bits as 32 lower-case hex digits.
ID = re.compile(r"[0-9a-f]{32}")
# SHA-256 digests as 64 lower-case hex digits.
SHA256 = re.compile(r"[0-9a-f]{64}")
# UTC days, the finest time Haven keeps (checked further as a calendar date).
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# An Ed25519 key's fingerprint as `ssh-keygen -l` prints it: unpadded base64 of 32 bytes.
FINGERPRINT = re.compile(r"SHA256:[A-Za-z0-9+/]{43}")
# The language a report or follow-up was written in, as intake records it: the
# catalog's locale name (en, zh_Hans, zh_Hant_HK), or the same in BCP 47 form.
# ASCII letters and digits only, so the tag is safe as text and in a lang attribute.
LANGUAGE = re.compile(r"[A-Za-z]{2,8}(?:[_-][A-Za-z0-9]{1,8}){0,3}")
