"""The audit log as a reviewer reads it: each entry's action as a sentence in their language.

An entry's `action`, `subject` and `facts` are what the program wrote; its
`detail` is an English note for whoever verifies the chain. A sentence is
built from the first three only, so nothing English and nothing the log does
not already hold (never a note's text, a reply's words or a passphrase) ends
up on the page. Values that came from people (a file's name, an export's
recipient, a reviewer's name) are kept apart from the translated sentence as
parameters, so the page can escape and isolate each one (reporter_text.py)
and the terminal can reveal hidden characters in it.

Needs a Flask application context: the sentences come from review's catalogs
through Flask-Babel, as every other page string does (review/web/i18n.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from flask import Flask
from flask_babel import Babel, get_translations
from markupsafe import Markup, escape

from review.web.i18n import (
    DEFAULT_LANGUAGE,
    TRANSLATIONS_DIR,
    available_languages,
    negotiate,
    priority_label,
    status_label,
)
from review.web.reporter_text import reporter_text, reveal_hidden
from review.workspace.audit import facts_of
from review.workspace.models import AuditEntry

# How many characters of a case id the inbox shows, and so the log too.
SHORT_ID_CHARS = 8
# The actions whose facts name the cases of an evidence package.
EXPORT_ACTIONS = frozenset({"export", "export-override", "export-failed"})


def gettext(message: str) -> str:
    """The translated sentence template, its %(name)s placeholders left for `Sentence`."""
    return str(get_translations().gettext(message))


def ngettext(singular: str, plural: str, count: int) -> str:
    """The translated template for `count` things, placeholders left for `Sentence`."""
    return str(get_translations().ngettext(singular, plural, count))


@dataclass(frozen=True)
class Sentence:
    """A translated template and the values that go into it, kept apart until shown."""

    template: str
    values: Mapping[str, str] = field(default_factory=dict)

    def text(self) -> str:
        """For a terminal: hidden and reordering characters in every value shown as markers."""
        return self.template % {name: reveal_hidden(v) for name, v in self.values.items()}

    def markup(self) -> Markup:
        """For a page: the template escaped, each value escaped and isolated in <bdi>."""
        return escape(self.template) % {
            name: reporter_text(value) for name, value in self.values.items()
        }


@dataclass(frozen=True)
class Reading:
    """One audit entry as a person reads it: when, who, which case, what."""

    seq: int
    when: str
    who: str
    case_id: str
    sentence: Sentence

    @property
    def short_case(self) -> str:
        """The case id as the inbox shows it ("" for an entry about no one case)."""
        return self.case_id[:SHORT_ID_CHARS]


def read(entry: AuditEntry) -> Reading:
    """`entry` in the reviewer's language."""
    who = entry.actor if entry.actor not in ("", "-") else gettext("(unknown)")
    return Reading(entry.seq, when(entry.at), who, case_of(entry), describe(entry))


def when(at: str) -> str:
    """An entry's time to the minute, in UTC as recorded ("2026-12-02 02:47 UTC")."""
    return f"{at[:10]} {at[11:16]} UTC" if len(at) >= 16 else at


def case_of(entry: AuditEntry) -> str:
    """The one case an entry is about, or "" (the workspace, a bundle, several cases)."""
    kind, _, rest = entry.subject.partition(":")
    if kind == "case":
        return rest.split("/", 1)[0]
    if entry.action in EXPORT_ACTIONS:
        cases = facts_of(entry).get("cases", "").split()
        return cases[0] if len(cases) == 1 else ""
    return ""


def _subject_value(entry: AuditEntry) -> str:
    return entry.subject.partition(":")[2]


def _item(entry: AuditEntry) -> str:
    """The file of a case an entry names (case:ID/NAME), or ""."""
    return _subject_value(entry).partition("/")[2]


def _first_word(text: str) -> str:
    return text.split(" ", 1)[0]


def _short(case_id: str) -> str:
    return case_id[:SHORT_ID_CHARS]


def _view(entry: AuditEntry) -> Sentence:
    if entry.subject == "workspace":
        return Sentence(gettext("Decrypted the reports on the command line."))
    if _item(entry):
        return Sentence(gettext("Opened the attachment %(file)s."), {"file": _item(entry)})
    return Sentence(gettext("Opened the case."))


def _download(entry: AuditEntry) -> Sentence:
    file = {"file": _item(entry)}
    if entry.detail.startswith("copy without metadata"):
        return Sentence(gettext("Downloaded a copy of %(file)s without its metadata."), file)
    return Sentence(gettext("Downloaded the original of %(file)s."), file)


def _export(entry: AuditEntry) -> Sentence:
    if entry.subject.startswith("case:"):
        return _download(entry)
    facts = facts_of(entry)
    cases = facts.get("cases", "").split()
    return Sentence(
        ngettext("Made the evidence package %(export)s of %(count)s case for %(recipient)s.",
                 "Made the evidence package %(export)s of %(count)s cases for %(recipient)s.",
                 len(cases)),
        {"export": _short(facts.get("export", _subject_value(entry))), "count": str(len(cases)),
         "recipient": facts.get("recipient", "")},
    )


def _export_override(entry: AuditEntry) -> Sentence:
    facts = facts_of(entry)
    reason = facts.get("purpose", "").removeprefix("consent override: ")
    return Sentence(
        gettext("Confirmed the evidence package %(export)s by %(exporter)s against the consent"
                " in force, because: %(reason)s"),
        {"export": _short(facts.get("export", _subject_value(entry))),
         "exporter": facts.get("exporter", ""), "reason": reason},
    )


def _export_failed(entry: AuditEntry) -> Sentence:
    return Sentence(gettext("The evidence package %(export)s could not be made."),
                    {"export": _short(facts_of(entry).get("export", _subject_value(entry)))})


def _priority(entry: AuditEntry) -> Sentence:
    number = entry.detail.rsplit(" ", 1)[-1]
    label = priority_label(int(number)) if number.isdigit() else number
    if entry.detail.startswith("urgent on arrival"):
        return Sentence(gettext("Set the priority to %(priority)s on arrival: the report says"
                                " someone is in danger now."), {"priority": label})
    return Sentence(gettext("Set the priority to %(priority)s."), {"priority": label})


def _assign(entry: AuditEntry) -> Sentence:
    if entry.detail in ("", "-"):
        return Sentence(gettext("Left the case unassigned."))
    return Sentence(gettext("Assigned the case to %(reviewer)s."), {"reviewer": entry.detail})


def _tags(entry: AuditEntry) -> Sentence:
    if entry.detail == "set":
        return Sentence(gettext("Changed the tags."))
    return Sentence(gettext("Added tags."))


def _categories(entry: AuditEntry) -> Sentence:
    if entry.detail == "reset":
        return Sentence(gettext("Returned the categories to the reporter's own choice."))
    return Sentence(gettext("Corrected the categories."))


def _linking(template: str) -> Callable[[AuditEntry], Sentence]:
    def sentence(entry: AuditEntry) -> Sentence:
        return Sentence(template, {"other": _short(_first_word(entry.detail))})
    return sentence


def _import(entry: AuditEntry) -> Sentence:
    return Sentence(gettext("Imported the bundle %(bundle)s, signed by intake key %(signer)s."),
                    {"bundle": _short(_subject_value(entry)),
                     "signer": facts_of(entry).get("signer", "")})


def _import_skipped(entry: AuditEntry) -> Sentence:
    skipped = [s for s in facts_of(entry).get("skipped", "").split(",") if s]
    return Sentence(
        ngettext("Could not read %(count)s submission of the bundle %(bundle)s; it was skipped.",
                 "Could not read %(count)s submissions of the bundle %(bundle)s; they were"
                 " skipped.", len(skipped)),
        {"count": str(len(skipped)), "bundle": _short(_subject_value(entry))},
    )


def _replies(entry: AuditEntry) -> Sentence:
    count = facts_of(entry).get("replies", "0")
    return Sentence(
        ngettext("Put %(count)s reply into the reply bundle %(bundle)s for intake.",
                 "Put %(count)s replies into the reply bundle %(bundle)s for intake.",
                 int(count) if count.isdigit() else 0),
        {"count": count, "bundle": _short(_subject_value(entry))},
    )


def _fingerprint(entry: AuditEntry) -> str:
    facts = facts_of(entry)
    return facts.get("fingerprint") or facts.get("signing_key") or _first_word(entry.detail)


def _describers() -> dict[str, Callable[[AuditEntry], Sentence]]:
    # Built per call: every template is looked up in the catalog of this request's language.
    def fixed(template: str) -> Callable[[AuditEntry], Sentence]:
        return lambda _entry: Sentence(template)

    def about_reviewer(template: str) -> Callable[[AuditEntry], Sentence]:
        return lambda entry: Sentence(template, {"reviewer": _subject_value(entry)})

    def with_fingerprint(template: str) -> Callable[[AuditEntry], Sentence]:
        return lambda entry: Sentence(template, {"fingerprint": _fingerprint(entry),
                                                 "reviewer": _subject_value(entry)})

    return {
        "init": fixed(gettext("Created this workspace.")),
        "trust-intake": with_fingerprint(gettext("Pinned the intake key %(fingerprint)s.")),
        "distrust-intake": with_fingerprint(gettext("Unpinned the intake key %(fingerprint)s.")),
        "add-reviewer": about_reviewer(gettext("Added the reviewer %(reviewer)s.")),
        "remove-reviewer": about_reviewer(gettext(
            "Removed the reviewer %(reviewer)s; what was sealed to them was resealed to the"
            " others.")),
        "signing-key": with_fingerprint(gettext(
            "Created the reply signing key %(fingerprint)s of %(reviewer)s.")),
        "unlock-failed": fixed(gettext(
            "Someone failed to unlock the workspace (wrong identity file or passphrase).")),
        "unlock": fixed(gettext("Unlocked the review app, decrypting the reports to index them.")),
        "index": fixed(gettext("Decrypted reports imported since the unlock, to index them.")),
        "reseal": fixed(gettext("Resealed triage records and replies to the current reviewers.")),
        "view": _view,
        "export": _export,
        "export-override": _export_override,
        "export-failed": _export_failed,
        "import": _import,
        "import-skipped": _import_skipped,
        "remove": fixed(gettext("Removed the submission and its files.")),
        "status": lambda entry: Sentence(gettext("Set the status to %(status)s."),
                                         {"status": status_label(entry.detail)}),
        "priority": _priority,
        "assign": _assign,
        "note": fixed(gettext("Added a note.")),
        "tags": _tags,
        "categories": _categories,
        "link": _linking(gettext("Linked the case to case %(other)s.")),
        "unlink": _linking(gettext("Unlinked the case from case %(other)s.")),
        "link-confirmed": _linking(gettext("Confirmed the suggested link to case %(other)s.")),
        "link-dismissed": _linking(gettext("Dismissed the suggested link to case %(other)s.")),
        "news-seen": fixed(gettext("Read the case's new follow-ups.")),
        "reply": fixed(gettext("Wrote a reply to the reporter, to be sent with the next reply"
                               " bundle.")),
        "replies": _replies,
    }


def described_actions() -> frozenset[str]:
    """The actions that have a sentence of their own (in an application context)."""
    return frozenset(_describers())


def describe(entry: AuditEntry) -> Sentence:
    """What `entry` records, as a sentence; an action this version does not know, by name."""
    describer = _describers().get(entry.action)
    if describer is None:
        return Sentence(gettext("Recorded the action %(action)s."), {"action": entry.action})
    return describer(entry)


@contextlib.contextmanager
def in_language(language: str) -> Iterator[None]:
    """A context in which the sentences come from `language`'s catalog (for the command line).

    The same catalogs and Flask-Babel lookup as the pages, so a sentence reads
    the same in the terminal as on the page; an unknown language is English.
    """
    app = Flask(__name__)
    app.config.update(BABEL_DEFAULT_LOCALE=language,
                      BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS_DIR))
    Babel(app, locale_selector=lambda: language)
    with app.test_request_context():
        yield


def terminal_language(environ: Mapping[str, str]) -> str:
    """The language of review's catalogs the terminal asks for (LC_ALL, LC_MESSAGES, LANG)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            tag = value.split(".", 1)[0].split("@", 1)[0]
            return negotiate([tag] if tag not in ("C", "POSIX") else [],
                             available_languages())
    return DEFAULT_LANGUAGE
