"""Why an evidence export or its verification stopped: one class per kind of failure."""

from __future__ import annotations

from review.errors import ReviewError


class ExportError(ReviewError):
    """An evidence package that cannot be written as asked; nothing is left under its name."""


class UnknownCase(ExportError):
    """A case id that names no case the exporting reviewer can read."""


class ConsentRefused(ExportError):
    """The reporter did not consent to this kind of recipient, and no override was given."""


class OverrideError(ExportError):
    """An override that does not hold: no reason, or no second reviewer's own unlock."""


class DamagedAttachment(ExportError):
    """An attachment's ciphertext does not decrypt, or its plaintext is not what intake hashed."""


class PackageExists(ExportError):
    """The output name is taken; an evidence package never replaces anything."""


class PackageUnreadable(ReviewError):
    """`verify` was given something that is not a package it can open (dir, tar or age file)."""
