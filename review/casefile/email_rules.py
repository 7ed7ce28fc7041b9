"""One mailbox, one spelling: the address rules the big providers document.

RFC 5321 lets a local part be case-sensitive, but no provider reporters use
treats it so, so every address is case-folded. Beyond that, only documented
rules are applied, because a wrong rule would link two different people:

- Gmail ignores dots in the local part and delivers `name+anything` to `name`
  (Google's help page "Dots don't matter in Gmail addresses" and its
  "create task-specific addresses" with +); googlemail.com is the same
  mailbox as gmail.com (Google's "Gmail and Googlemail" note).
- Outlook.com (outlook, hotmail, live, msn), Fastmail, Proton Mail and iCloud
  Mail document plus addressing ("subaddressing"): `name+tag` reaches `name`.
  Their dots are significant, so they are kept.
Any other domain keeps its local part as written (folded to lower case):
163.com, qq.com, yahoo.com and a company's own server have rules of their own
or none, and guessing would merge addresses that differ.
"""

from __future__ import annotations

GMAIL_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}
PLUS_ADDRESSING_DOMAINS = frozenset({
    "outlook.com", "hotmail.com", "live.com", "msn.com",
    "fastmail.com", "fastmail.fm",
    "proton.me", "protonmail.com", "protonmail.ch", "pm.me",
    "icloud.com", "me.com", "mac.com",
})


def canonical_email(address: str) -> str:
    """The one spelling of `address` under its provider's documented rules."""
    local, _, domain = address.casefold().rpartition("@")
    if domain in GMAIL_DOMAINS:
        local = local.split("+", 1)[0].replace(".", "")
        domain = GMAIL_DOMAINS[domain]
    elif domain in PLUS_ADDRESSING_DOMAINS:
        local = local.split("+", 1)[0]
    # A local part of only a tag ("+news@gmail.com") stays as written rather than empty.
    return f"{local}@{domain}" if local else address.casefold()
