"""The order and sections of each questionnaire version, as the case file shows a report.

Intake's questionnaire (intake/questionnaire.py) is the source; review cannot
import it, so each version's layout is copied here, and
tests/test_questionnaire_layout.py checks the copy against intake's
definition of the same version. A report is laid out by the version it
answered (its document says which); a version this copy does not know is laid
out by the newest one known, with any answer that has no place in it after.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from contracts.report import DANGER_NOW


@dataclass(frozen=True)
class SectionLayout:
    """One section of a questionnaire: its name, its title for reviewers, its questions."""

    name: str
    title: LazyString
    fields: tuple[str, ...]



def _sections(incident: tuple[str, ...]) -> tuple[SectionLayout, ...]:
    """A version's sections; the versions so far differ only in the incident's questions."""
    return (
        SectionLayout("danger", _l("Safety"), ("danger_now",)),
        SectionLayout("incident", _l("The incident"), incident),
        SectionLayout("people", _l("Who was involved"), ("identifiers", "relatives_at_risk")),
        SectionLayout("contact", _l("Contacting the reporter"), (
            "contact_wanted", "contact_channels", "contact_details", "safe_times",
            "voicemail_ok", "contact_name", "code_word")),
        SectionLayout("consent", _l("Who may see this report"), ("consent", "police_country")),
        SectionLayout("about_you", _l("About the reporter"), (
            "anonymity", "language", "interpreter")),
    )


# Version -> sections in order. The "files" section holds no answer (the
# attachments are listed under their own heading), so it is not laid out.
LAYOUTS: dict[str, tuple[SectionLayout, ...]] = {
    # Places as free text.
    "1.0.0": _sections(("categories", "narrative", "when", "state", "country", "city")),
    # Places as ISO 3166 choices; a state the list does not name in state_other.
    "2.0.0": _sections(("categories", "narrative", "when", "state", "state_other", "country",
                        "city")),
}
LATEST = "2.0.0"
# The answer shown above all others: whether someone is in danger now.
DANGER_FIELD = DANGER_NOW


def layout_of(version: str) -> tuple[tuple[SectionLayout, ...], bool]:
    """The sections a report of `version` is shown in, and whether that version is known."""
    if version in LAYOUTS:
        return LAYOUTS[version], True
    return LAYOUTS[LATEST], False
