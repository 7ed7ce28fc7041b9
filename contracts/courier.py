"""The courier's HTTP contract: what intake serves and `haven review courier` asks for.

Both sides read these names; neither imports the other (docs/deploy.md,
"Pickup without shell access", describes the exchange in words).
"""

from __future__ import annotations

import re

# Every courier route lives under this prefix, and exists only when the operator
# turned the courier on (HAVEN_COURIER=1): otherwise it is a 404 like any unknown path.
PREFIX = "/courier"
PICKUP_PATH = f"{PREFIX}/pickup"
REPLIES_PATH = f"{PREFIX}/replies"
# GET PICKUP_PATH?again=ID&again=ID sends those submissions again, as `--again` does.
AGAIN_PARAMETER = "again"

# What authenticates one request, each in its own header: the credential
# `haven intake courier add` printed (NAME:TOKEN), and the current TOTP code.
CREDENTIAL_HEADER = "Haven-Courier-Credential"
TOTP_HEADER = "Haven-Courier-TOTP"

# The answers a courier acts on.
BUNDLE_TYPE = "application/x-tar"
NOTHING_NEW = 204
# A refusal's body is JSON: {"error": "..."}; a loaded reply bundle's answer is
# {"bundle_id": ..., "replies": N, "already_loaded": bool}.
JSON_TYPE = "application/json"

# RFC 6238 as every authenticator app does it: SHA-1, 6 digits, 30 s steps.
TOTP_DIGITS = 6
TOTP_STEP_SECONDS = 30
TOTP_CODE = re.compile(r"[0-9]{6}")
# The token part of the credential: 32 random bytes, URL-safe base64 without padding.
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
# A courier's name: short, for the operator's eyes and the audit trail.
NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,39}")
