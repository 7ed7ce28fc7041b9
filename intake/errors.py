"""Exceptions of intake: one per kind of failure, every one an IntakeError.

The command line catches IntakeError alone (intake/cli.py) and prints its
message, so a message names the setting, file or rule at fault and never
quotes a secret or a submitted value. Refused uploads (UploadRefused) are
answered with error pages instead (intake/error_pages.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Only the web app's refusals hold a MultiDict. Every command imports this
    # module, and importing werkzeug would cost `haven intake pickup` a tenth of a
    # second of CPU each run: UploadTooLarge imports it when it is raised, in a
    # process that has it loaded already.
    from werkzeug.datastructures import MultiDict


class IntakeError(Exception):
    """Base of every failure intake raises itself."""


class ConfigError(IntakeError):
    """The configuration is incomplete or invalid; the message names the variable."""


class SecretFileError(IntakeError):
    """A secret file is missing, malformed, or readable by other users."""


class SchemaError(IntakeError):
    """The database is not at the schema revision this code expects."""


class PickupKeyError(IntakeError):
    """The pickup signing key cannot be created or read."""


class PickupError(IntakeError):
    """The bundle could not be written; no submission was marked picked up."""


class WalNotTruncated(IntakeError):
    """SQLite could not empty its write-ahead log: deleted rows' old bytes may remain in it."""


class PublicationError(IntakeError):
    """A staged submission could not be published (it was collected or already published)."""


class TrustedReviewersError(IntakeError):
    """The trusted reviewers file cannot be read or changed, or a key line is invalid."""


class ReplyBundleRefused(IntakeError):
    """A reply bundle was refused whole; the message names the reason; nothing was stored."""


class CaseGone(IntakeError):
    """The case a follow-up or a hidden reply names is no longer held (purged)."""


class CapabilityRefused(IntakeError):
    """A check-back capability is missing, forged, expired, or for another case."""


class SealRefused(IntakeError):
    """A sealed receipt code or case is malformed, forged, altered or expired (*_seal.py)."""


class DraftsFull(IntakeError):
    """The drafts waiting to be read already hold all the room they may (intake/draft_store.py)."""


class DraftRefused(IntakeError):
    """A draft cookie is malformed, forged, replayed, or names a draft read or collected already."""


class CheckBackBusy(IntakeError):
    """Too many check-backs at once or in the last minute; the reporter is asked to wait."""


class DerivationsBusy(IntakeError):
    """Every Argon2 slot of this process stayed taken for as long as a submission waits."""


class ClientTooSlow(IntakeError):
    """The client sent its request more slowly than the server allows (intake/pacing.py)."""


class UploadsBusy(IntakeError):
    """As many uploads as this process receives at once are in progress; try again later."""


class UploadRefused(IntakeError):
    """The upload cannot be accepted; nothing of it is kept."""


class UploadTooLarge(UploadRefused):
    """The body, a field or the number of files exceeds a configured limit."""

    def __init__(self, limit: str, *, body_unread: bool = False) -> None:
        super().__init__(limit)
        self.limit = limit  # "total", "files" or "text"
        # True when the rest of the body is left unread (refused from its declared length).
        self.body_unread = body_unread
        # The text fields received before the refusal and the names of the files seen,
        # only to fill the form again (intake/report_page.py): never logged or stored.
        # A browser sends the fields in the form's order, and the form puts its file
        # input last, so every typed answer has arrived before any file was refused.
        from werkzeug.datastructures import MultiDict

        self.fields: MultiDict[str, str] = MultiDict()
        self.file_names: tuple[str, ...] = ()


class ReportTooLarge(UploadRefused):
    """The report document would not fit the report size review accepts (contracts/report.py).

    Every value in it is bounded, but together they can still exceed it; the form
    comes back with what was typed, so the reporter can shorten it.
    """

    def __init__(self, fields: MultiDict[str, str], *, files_dropped: bool) -> None:
        super().__init__("report document")
        # The typed answers, only to fill the form again: never logged or stored.
        self.fields = fields
        self.files_dropped = files_dropped


class SubmissionBusy(UploadRefused):
    """A submission found no Argon2 slot in time; nothing was stored, the form comes back."""

    def __init__(self, fields: MultiDict[str, str], *, files_dropped: bool) -> None:
        super().__init__("busy")
        # The typed answers, only to fill the form again: never logged or stored.
        self.fields = fields
        self.files_dropped = files_dropped


class DraftTooLarge(UploadRefused):
    """A form's answers exceed what any form this site serves can hold (intake/drafts.py)."""


class MalformedUpload(UploadRefused):
    """The body is not well-formed multipart/form-data."""


class CsrfRefused(UploadRefused):
    """The CSRF token is missing, invalid, or came after a file."""


class CourierError(IntakeError):
    """A courier cannot be added or removed as asked, or its stored secret cannot be opened."""


class CourierBusy(IntakeError):
    """Too many courier attempts in the last minute, or every derivation slot is taken."""


class CourierRefused(IntakeError):
    """A courier's credential or TOTP code is wrong, or the code was used already."""

    def __init__(self, message: str, *, courier: str | None = None) -> None:
        super().__init__(message)
        # Set once the token was right: only then is the refusal the courier's to audit.
        self.courier = courier
