"""The package's signature: the exporting reviewer's Ed25519 key over tagmanifest-sha256.txt.

OpenSSH's SSHSIG format (keys.signing) in the namespace reserved for evidence,
with an allowed_signers file beside it, so `ssh-keygen -Y verify` checks it
without Haven. The tag manifest lists the payload manifest, bag-info.txt,
bagit.txt and allowed_signers; the signature file is the one tag file it cannot
list (it is made from it), so the signature covers every other byte.
"""

from __future__ import annotations

import re

import keys
from keys.signing import EVIDENCE_NAMESPACE, SigningKey, VerifyingKey

SIGNED_FILE = "tagmanifest-sha256.txt"
SIGNATURE_FILE = "tagmanifest-sha256.txt.sig"
ALLOWED_SIGNERS = "allowed_signers"
# What ssh-keygen reads as one principal: no spaces, commas, quotes or patterns.
_PRINCIPAL = re.compile(r"[A-Za-z0-9._@+-]{1,64}")
FALLBACK_PRINCIPAL = "haven-reviewer"


def principal_of(reviewer: str) -> str:
    """The name the allowed_signers file gives the reviewer (their name when ssh-keygen can)."""
    return reviewer if _PRINCIPAL.fullmatch(reviewer) else FALLBACK_PRINCIPAL


def allowed_signers_line(principal: str, key: VerifyingKey) -> str:
    """One allowed_signers line: the principal may sign evidence, in this namespace only."""
    return f'{principal} namespaces="{EVIDENCE_NAMESPACE}" {key}\n'


def sign_tag_manifest(data: bytes, key: SigningKey) -> str:
    """The armored SSHSIG signature over the tag manifest's bytes."""
    return key.sign(data, namespace=EVIDENCE_NAMESPACE)


def read_allowed_signers(text: str) -> list[tuple[str, VerifyingKey]]:
    """(principal, key) of each line; a line this reader does not understand raises."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        match = re.fullmatch(r'(\S+) namespaces="([^"]*)" (ssh-ed25519 \S+)\s*', line)
        if match is None or EVIDENCE_NAMESPACE not in match.group(2).split(","):
            raise keys.SignatureError(f"line {number} is not an evidence signer line")
        found.append((match.group(1), VerifyingKey.parse(match.group(3))))
    return found
