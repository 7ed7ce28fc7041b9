"""Whether the consent a reporter gave covers the kind of recipient an export is for.

The questionnaire (intake/questionnaire.py, CONSENT) asks who may see the
report; the latest answer is in force (a follow-up may change it: see
Report.consent_in_force). An export names the kind of its recipient, and is
refused when that kind was not ticked. Police consent is given for one
country, so a police export must name the country and match it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from review.casefile.report_reader import ConsentInForce, Report

# The consent choices of questionnaire 1.x, as the report document stores them.
RECIPIENT_KINDS = ("lawyers", "ngos", "police", "journalists", "statistics", "platforms")
POLICE = "police"


@dataclass(frozen=True)
class ConsentDecision:
    """The consent in force for one case and whether it covers the export's recipient."""

    case_id: str
    in_force: ConsentInForce
    kind: str
    covered: bool
    reason: str

    def record(self) -> dict[str, Any]:
        """What data/consent.json says about this case."""
        return {
            "consent": _choices(self.in_force.consent),
            "police_country": _text(self.in_force.police_country),
            "given_on_day": self.in_force.since_day,
            "given_in": ("follow-up " + self.in_force.follow_up_id
                         if self.in_force.follow_up_id else "the first report"),
            "recipient_kind": self.kind,
            "covers_recipient": self.covered,
            "reason": self.reason,
        }


def decide(report: Report, *, kind: str, police_country: str = "") -> ConsentDecision:
    """Whether the consent in force for `report` covers a recipient of `kind`."""
    if kind not in RECIPIENT_KINDS:
        raise ValueError(f"unknown recipient kind {kind!r}")
    in_force = report.consent_in_force()
    given = _choices(in_force.consent)
    where = (f"follow-up {in_force.follow_up_id} of {in_force.since_day}"
             if in_force.follow_up_id else f"the report of {in_force.since_day}")
    if kind not in given:
        ticked = ", ".join(given) or "nobody"
        return ConsentDecision(report.id, in_force, kind, False,
                               f"case {report.id}: the reporter did not consent to {kind} "
                               f"(consent in force, from {where}: {ticked})")
    if kind == POLICE:
        consented_country = _text(in_force.police_country).strip()
        if not police_country.strip():
            return ConsentDecision(report.id, in_force, kind, False,
                                   f"case {report.id}: police consent is for one country "
                                   f"({consented_country or 'not named'}); name it with "
                                   "--police-country")
        if police_country.strip().casefold() != consented_country.casefold():
            return ConsentDecision(report.id, in_force, kind, False,
                                   f"case {report.id}: the reporter consented to the police of "
                                   f"{consented_country or 'no named country'}, not of "
                                   f"{police_country.strip()}")
    return ConsentDecision(report.id, in_force, kind, True,
                           f"the reporter consented to {kind} in {where}")


def _choices(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
