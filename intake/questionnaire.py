"""The questionnaire: every question a report answers, as data with a version and a digest.

The report document records the version and SHA-256 of this definition, so a
reviewer can read an old report against the exact questions it answered after
the form has changed. Labels are English msgids marked with N_ for extraction;
the form translates them at render time.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from functools import cache

from contracts.places import STATE_OTHER
from contracts.report import MAX_SHORT_ANSWER_CHARS, QUESTIONNAIRE_VERSION
from intake.places import COMMON_COUNTRIES, COMMON_STATES

# This definition's version (contracts/report.py, where review's labels read it too).
VERSION = QUESTIONNAIRE_VERSION
# One-line answers are bounded where review reads the bound too.
SHORT_TEXT_CHARS = MAX_SHORT_ANSWER_CHARS


def N_(msgid: str) -> str:
    """Mark `msgid` for translation without translating it here."""
    return msgid


@dataclass(frozen=True)
class Choice:
    """One option of a choice question: a stable value and its label."""

    value: str
    label: str


@dataclass(frozen=True)
class Question:
    """One question: `kind` is text, long_text, one_of, any_of, place or files.

    A place question's answer is a country code (contracts/places.py), its
    `common_places` offered first; `allows_other` adds "another", named in the
    text question that follows it.
    """

    name: str
    section: str
    kind: str
    label: str
    hint: str = ""
    choices: tuple[Choice, ...] = ()
    common_places: tuple[str, ...] = ()
    allows_other: bool = False


@dataclass(frozen=True)
class Section:
    """A group of questions shown together under one heading."""

    name: str
    title: str


YES_NO = (Choice("yes", N_("Yes")), Choice("no", N_("No")))
YES_NO_UNSURE = (*YES_NO, Choice("not_sure", N_("Not sure")))

# The 14 incident categories of notes/domain.md.
CATEGORIES = (
    Choice(
        "physical", N_("Physical attack or plot: assault, abduction attempt, assassination plot")
    ),
    Choice("surveillance", N_("Surveillance or stalking here: followed, photographed at events")),
    Choice("threats", N_("Direct threats or intimidation: calls, messages, visits")),
    Choice(
        "family_pressure",
        N_("Pressure through family or friends: questioned, threatened, detained"),
    ),
    Choice("return_pressure", N_("Pressure to return, or being lured to a third country")),
    Choice(
        "state_bodies",
        N_("Contact from “police stations”, consulates or associations acting for the state"),
    ),
    Choice(
        "foreign_systems",
        N_("Misuse of another country's systems: Interpol notices, extradition, detention abroad"),
    ),
    Choice(
        "documents",
        N_(
            "Passport or travel controls: passport refused or cancelled, services denied, exit bans"
        ),
    ),
    Choice(
        "hacking", N_("Spyware, hacking or account takeover (including warnings from a platform)")
    ),
    Choice("online_harassment", N_("Online harassment, smear campaigns, doxxing")),
    Choice("financial", N_("Financial pressure: frozen assets, extortion, forced “donations”")),
    Choice("legal", N_("Legal harassment: bounties, warrants, charges in absentia, lawsuits")),
    Choice("informant", N_("Being asked to inform on your own community")),
    Choice("other", N_("Other, or not sure")),
)

CONTACT_CHANNELS = (
    Choice("signal", N_("Signal")),
    Choice("phone", N_("Phone call")),
    Choice("email", N_("E-mail")),
    Choice("organisation", N_("Through an organisation I trust")),
)

CONSENT = (
    Choice("police", N_("Police (say which country below)")),
    Choice("ngos", N_("Human-rights organisations")),
    Choice("lawyers", N_("Lawyers")),
    Choice("journalists", N_("Journalists")),
    Choice("statistics", N_("Anonymous statistics")),
    Choice("platforms", N_("Technology companies (for example to remove accounts)")),
)

ANONYMITY = (
    Choice("anonymous", N_("Anonymous: do not record who I am")),
    Choice("pseudonymous", N_("Under a name I choose")),
    Choice("known_to_reviewers", N_("Known to the reviewers only")),
)

INTERPRETER = (
    Choice("no", N_("No")),
    Choice("yes", N_("Yes")),
    Choice("yes_outside_community", N_("Yes, from outside my community")),
)

SECTIONS = (
    Section("danger", N_("Safety first")),
    Section("incident", N_("What happened")),
    Section("people", N_("Who was involved")),
    Section("contact", N_("Contacting you")),
    Section("consent", N_("Who may see this report")),
    Section("about_you", N_("About you")),
    Section("files", N_("Files")),
)

QUESTIONS = (
    Question(
        "danger_now", "danger", "one_of", N_("Is anyone in danger right now?"), choices=YES_NO
    ),
    Question(
        "categories",
        "incident",
        "any_of",
        N_("What kind of incident was it? Tick all that apply."),
        choices=CATEGORIES,
    ),
    Question(
        "narrative",
        "incident",
        "long_text",
        N_("What happened?"),
        N_("In your own words, in any language. Write as much or as little as you want."),
    ),
    Question(
        "when",
        "incident",
        "text",
        N_("When did it happen?"),
        N_("A date, or an approximate period such as “spring 2023”."),
    ),
    Question(
        "state",
        "incident",
        "place",
        N_("Which state do you believe is behind it?"),
        common_places=COMMON_STATES,
        allows_other=True,
    ),
    Question(STATE_OTHER, "incident", "text", N_("If it is another state or group: which one?")),
    Question(
        "country",
        "incident",
        "place",
        N_("In which country did it happen?"),
        common_places=COMMON_COUNTRIES,
    ),
    Question("city", "incident", "text", N_("In which city or area?")),
    Question(
        "identifiers",
        "people",
        "long_text",
        N_("What do you know about the people involved?"),
        N_("Phone numbers, online accounts, addresses, vehicles, names. One per line."),
    ),
    Question(
        "relatives_at_risk",
        "people",
        "one_of",
        N_("Could this report endanger relatives in your home country?"),
        choices=YES_NO_UNSURE,
    ),
    Question("contact_wanted", "contact", "one_of", N_("May we contact you?"), choices=YES_NO),
    Question(
        "contact_channels",
        "contact",
        "any_of",
        N_("How? We will only use what you tick."),
        choices=CONTACT_CHANNELS,
    ),
    Question(
        "contact_details",
        "contact",
        "text",
        N_("Your number, address or organisation for that channel"),
    ),
    Question("safe_times", "contact", "text", N_("When is it safe to contact you?")),
    Question("voicemail_ok", "contact", "one_of", N_("May we leave a voicemail?"), choices=YES_NO),
    Question("contact_name", "contact", "text", N_("Which name should we use?")),
    Question(
        "code_word",
        "contact",
        "text",
        N_("A code word we will both say, so you know it is us"),
        N_("Choose a word that has nothing to do with you."),
    ),
    Question(
        "consent",
        "consent",
        "any_of",
        N_("Who may receive this report? You can change this later."),
        N_("A court may sometimes reveal a witness's identity to the other side."),
        choices=CONSENT,
    ),
    Question(
        "police_country",
        "consent",
        "place",
        N_("Police of which country?"),
        common_places=COMMON_COUNTRIES,
    ),
    Question(
        "anonymity", "about_you", "one_of", N_("How known do you want to be?"), choices=ANONYMITY
    ),
    Question("language", "about_you", "text", N_("Which language do you prefer?")),
    Question(
        "interpreter",
        "about_you",
        "one_of",
        N_("Do you want an interpreter?"),
        N_(
            "Informants are known to work as interpreters; "
            "you can ask for one from outside your community."
        ),
        choices=INTERPRETER,
    ),
    Question(
        "attachments",
        "files",
        "files",
        N_("Photos, recordings, documents"),
        N_(
            "Photos and documents can contain the place where they were made and the "
            "device that made them. Remove that information first if it could endanger you."
        ),
    ),
)


def definition() -> dict[str, object]:
    """Return the questionnaire as plain data: what its digest covers."""
    return {
        "version": VERSION,
        "sections": [asdict(section) for section in SECTIONS],
        "questions": [asdict(question) for question in QUESTIONS],
    }


@cache
def definition_sha256() -> str:
    """Return the SHA-256 of the canonical JSON of the definition (fixed: computed once)."""
    canonical = json.dumps(definition(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
