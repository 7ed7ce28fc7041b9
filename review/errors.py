"""Exceptions of the review workspace, one per kind of failure a reviewer can act on."""

from __future__ import annotations


class ReviewError(Exception):
    """Base of every error the review workspace reports to a reviewer."""


class ConfigError(ReviewError):
    """The configuration (environment) is missing a value or holds a bad one."""


class BundleError(ReviewError):
    """A pickup bundle is malformed or hostile; nothing of it was imported."""


class WorkspaceError(ReviewError):
    """The workspace directory is missing, not initialised, or inconsistent."""


class UnlockError(ReviewError):
    """The identity file or passphrase did not unlock a reviewer of this workspace."""


class HeadFormatError(ReviewError):
    """A recorded audit head (given, or read from a heads file) is not "SEQ:DIGEST"."""


class ReviewerError(ReviewError):
    """A change to the workspace's reviewers that cannot be made (unknown, last, unreadable)."""


class ReplyError(ReviewError):
    """A reply that cannot be written, or a reply bundle that cannot be written, as asked."""


class CourierError(ReviewError):
    """The courier could not fetch or upload a bundle; intake's own reason, when it gave one."""
