"""The decrypted report document (inside report.age), read defensively.

The document was written by intake, but its contents were typed by anyone on
the internet: every value is kept as text and escaped when shown, never trusted
as markup, file names or paths.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from contracts import places as places_contract
from contracts import report as contract
from contracts.fields import LANGUAGE
from contracts.report import FORMAT, MAX_REPORT_BYTES, VERSION
from review.casefile.places import place_of

if TYPE_CHECKING:
    from review.casefile.follow_up_reader import FollowUp

# Questionnaire 1.x fields the inbox filters on; a tuple so a renamed field in
# a later questionnaire can be read next to the old.
CATEGORY_FIELDS = (contract.CATEGORIES,)
STATE_FIELDS = (contract.STATE,)
COUNTRY_FIELDS = (contract.COUNTRY,)
# Answers naming a country, strongest hint first, that say which country a
# national phone number belongs to: where it happened, whose police may
# receive the report. (The questionnaire does not ask where the reporter lives.)
COUNTRY_HINT_FIELDS = (contract.COUNTRY, "police_country")
# Questionnaire answers nest two or three levels deep; the case page renders
# nested values recursively, so a deeper document is refused as damaged.
MAX_DEPTH = 16
# Scripts written right to left among the languages Haven accepts.
# The answer that goes with consent (questionnaire 1.0.0).
POLICE_COUNTRY = "police_country"
# The field name a follow-up's message is searched and scanned for identifiers under.
FOLLOW_UP_FIELD = "follow_up"
RTL_LANGUAGES = frozenset({"ar", "fa", "ug", "ur", "he", "ps", "ckb", "sd", "yi", "dv"})


class ReportFormatError(ValueError):
    """The decrypted document is not a haven-report this reader understands."""


@dataclass(frozen=True)
class AttachmentInfo:
    """What the reporter's document says about one attachment (all of it reporter-supplied)."""

    file: str
    original_name: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Report:
    """One decrypted report, held in memory for an unlocked session only."""

    id: str
    received_day: str
    language: str
    urgent: bool
    answers: dict[str, Any]
    attachments: tuple[AttachmentInfo, ...] = field(default=())
    # The case's follow-ups, in the order they came (received day, then arrival).
    follow_ups: tuple[FollowUp, ...] = field(default=())
    # Set when this is a follow-up shown as a case of its own: the id of its
    # case, which the workspace does not hold (removed, or never imported).
    missing_case: str | None = None
    # The questionnaire version the answers are to (the document's
    # "questionnaire" object); "" when the document does not say.
    questionnaire_version: str = ""

    @property
    def direction(self) -> str:
        """"rtl" for right-to-left languages, else "ltr"."""
        return "rtl" if self.language.split("-")[0].lower() in RTL_LANGUAGES else "ltr"

    @property
    def categories(self) -> tuple[str, ...]:
        """The categories the reporter chose."""
        return tuple(_strings(_first(self.answers, CATEGORY_FIELDS)))

    @property
    def state(self) -> str:
        """The state the reporter says is behind the incident, as a place (places.py)."""
        named = next(iter(_strings(_first(self.answers, STATE_FIELDS))), "")
        if named == places_contract.OTHER:
            # Questionnaire 2.0.0: "another state or group", named in words beside it.
            other = next(iter(_strings(self.answers.get(places_contract.STATE_OTHER))), "")
            return place_of(other) if other else named
        return place_of(named)

    @property
    def country(self) -> str:
        """The country where the incident happened, as a place (places.py)."""
        return place_of(next(iter(_strings(_first(self.answers, COUNTRY_FIELDS))), ""))

    def story(self) -> str:
        """What the reporter says happened (the narrative), or "" if it has none."""
        return next(iter(_strings(self.answers.get(contract.NARRATIVE))), "")

    @property
    def news_day(self) -> str:
        """The day of the latest follow-up, or of the report itself."""
        return max([self.received_day, *(f.received_day for f in self.follow_ups)])

    def consent_in_force(self) -> ConsentInForce:
        """The latest consent the reporter gave: a follow-up's change replaces the report's."""
        for follow_up in reversed(self.follow_ups):
            if follow_up.readable and follow_up.consent is not None:
                return ConsentInForce(list(follow_up.consent.consent),
                                      follow_up.consent.police_country,
                                      follow_up.received_day, follow_up.id)
        return ConsentInForce(self.answers.get(contract.CONSENT),
                              self.answers.get(POLICE_COUNTRY), self.received_day, None)

    def texts(self) -> Iterator[tuple[str, str]]:
        """Every (field, text) pair in the answers and follow-up messages, nested values
        flattened: what search and related cases read."""
        for name, value in self.answers.items():
            for text in _strings(value):
                yield name, text
        for follow_up in self.follow_ups:
            if follow_up.message.strip():
                yield FOLLOW_UP_FIELD, follow_up.message

    def all_attachments(self) -> Iterator[AttachmentInfo]:
        """What the report and its follow-ups say about their attachments."""
        yield from self.attachments
        for follow_up in self.follow_ups:
            yield from follow_up.attachments


@dataclass(frozen=True)
class ConsentInForce:
    """Who may receive the report, as last answered, and since when (and from which follow-up)."""

    consent: Any
    police_country: Any
    since_day: str
    follow_up_id: str | None


def language_of(document: dict[str, Any]) -> str:
    """The document's language tag, or "und" (undetermined) unless it is one.

    The reporter's client wrote it, so it is anything at all until checked;
    it is shown, and set as pages' `lang`, so only a tag's spelling is kept.
    """
    language = document.get("language")
    if isinstance(language, str) and LANGUAGE.fullmatch(language):
        return language
    return "und"


def parse_report(submission_id: str, received_day: str, plaintext: bytes) -> Report:
    """Read a decrypted report document, or raise ReportFormatError."""
    if len(plaintext) > MAX_REPORT_BYTES:
        raise ReportFormatError(f"larger than {MAX_REPORT_BYTES} bytes")
    try:
        document = json.loads(plaintext.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        # RecursionError: thousands of nested brackets exhaust the parser's stack.
        raise ReportFormatError(f"not UTF-8 JSON: {type(error).__name__}") from None
    if depth(document) > MAX_DEPTH:
        raise ReportFormatError(f"nested deeper than {MAX_DEPTH} levels")
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ReportFormatError("not a haven-report document")
    if document.get("version") != VERSION:
        raise ReportFormatError(f"unsupported report version {document.get('version')!r}")
    answers = document.get("answers")
    if not isinstance(answers, dict):
        raise ReportFormatError("answers is not an object")
    return Report(
        id=submission_id,
        # The manifest's day is authoritative; the document's is the reporter's copy.
        received_day=received_day,
        language=language_of(document),
        urgent=document.get("urgent") is True,
        answers=answers,
        attachments=tuple(attachments_of(document.get("attachments"))),
        questionnaire_version=_questionnaire_version(document.get("questionnaire")),
    )


def _questionnaire_version(value: Any) -> str:
    version = value.get("version") if isinstance(value, dict) else None
    return version if isinstance(version, str) and len(version) <= 32 else ""


def depth(value: Any) -> int:
    """How deeply lists and objects nest in a JSON value (iterative: no recursion limit)."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level)
            pending.extend((child, level + 1) for child in item)
    return deepest


def attachments_of(value: Any) -> Iterator[AttachmentInfo]:
    """The well-formed entries of a document's `attachments` list (others are skipped)."""
    for item in value if isinstance(value, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("file"), str):
            continue
        size = item.get("size")
        yield AttachmentInfo(
            file=item["file"],
            original_name=str(item.get("original_name", "")),
            content_type=str(item.get("content_type", "")),
            size=size if isinstance(size, int) else 0,
            sha256=str(item.get("sha256", "")),
        )


def _first(answers: dict[str, Any], names: tuple[str, ...]) -> Any:
    return next((answers[n] for n in names if n in answers), None)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        if value.strip():
            yield value
    elif isinstance(value, bool | int | float):
        return
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
