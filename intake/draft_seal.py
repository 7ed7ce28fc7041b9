"""Sealing a draft under a key only the reporter's browser holds.

Each draft gets a fresh random 256-bit AES-GCM key. The server stores the
ciphertext under a random id and gives the id and the key to the browser, in a
cookie (intake/form_again.py), keeping neither: the database, a backup of it,
or the whole server cannot open a draft, and the browser's cookie opens only a
row that is deleted when it is read. The id is bound into the ciphertext, so a
key presented with another draft's id opens nothing.
"""

from __future__ import annotations

import binascii
import os
import re
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from intake.errors import DraftRefused
from intake.url_base64 import b64, unb64

KEY_BYTES = 32
_NONCE_BYTES = 12
# Domain separation: the label and the row's id are the ciphertext's associated data.
_LABEL = b"haven-intake draft v1\x00"
_TOKEN_PREFIX = "d1"  # noqa: S105 - a format tag, not a secret
_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class DraftTicket:
    """A draft's row id and its key: what the browser keeps, as one cookie value."""

    draft_id: str
    key: bytes

    @classmethod
    def new(cls) -> DraftTicket:
        """A fresh random id and key (128 and 256 bits)."""
        return cls(draft_id=secrets.token_hex(16), key=os.urandom(KEY_BYTES))

    @classmethod
    def parse(cls, token: str) -> DraftTicket:
        """The ticket `token` (from str()) names; DraftRefused if it is not one."""
        prefix, _, rest = token.partition(".")
        draft_id, _, encoded = rest.partition(".")
        if prefix != _TOKEN_PREFIX or not _ID.fullmatch(draft_id):
            raise DraftRefused("not a draft ticket")
        try:
            key = unb64(encoded)
        except (binascii.Error, ValueError):
            raise DraftRefused("draft ticket key not base64") from None
        if len(key) != KEY_BYTES:
            raise DraftRefused("draft ticket key of the wrong size")
        return cls(draft_id=draft_id, key=key)

    def __str__(self) -> str:
        return f"{_TOKEN_PREFIX}.{self.draft_id}.{b64(self.key)}"

    def seal(self, plaintext: bytes) -> bytes:
        """`plaintext` encrypted under this ticket's key, bound to its id."""
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + AESGCM(self.key).encrypt(nonce, plaintext, self._associated_data())

    def open(self, sealed: bytes) -> bytes:
        """The plaintext of `sealed`; DraftRefused unless this ticket sealed it."""
        try:
            return AESGCM(self.key).decrypt(
                sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], self._associated_data()
            )
        except (InvalidTag, ValueError):
            raise DraftRefused("draft not sealed by this ticket") from None

    def _associated_data(self) -> bytes:
        return _LABEL + self.draft_id.encode("ascii")
