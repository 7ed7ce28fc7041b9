"""WTForms' own messages in intake's catalog, with the values they interpolate isolated.

WTForms writes its validators' messages ("Field cannot be longer than 20000
characters.", "Not a valid choice.") in English unless the form's Meta gives
it translations. Every intake form derives from `IntakeForm`, whose Meta hands
WTForms intake's own Flask-Babel catalog, so those messages are translated with
the rest of the page, in all ten languages, and a catalog test sees a missing one.

The values WTForms puts into a message (a number, or the text a client sent as
a choice) are wrapped in FIRST STRONG ISOLATE ... POP DIRECTIONAL ISOLATE, the
plain-text form of <bdi>: on a Uyghur or Persian page a number or a Latin value
then keeps its own direction and cannot reorder the sentence around it.
"""

from __future__ import annotations

import re
from typing import Any

from babel import support
from flask_babel import get_translations
from flask_wtf import FlaskForm

FIRST_STRONG_ISOLATE = "\u2068"
POP_DIRECTIONAL_ISOLATE = "\u2069"
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


class _Marker:
    """Marks WTForms' msgids for pybabel extraction; returns them as they are."""

    def gettext(self, msgid: str) -> str:
        return msgid

    def ngettext(self, singular: str, plural: str, count: int) -> tuple[str, str]:
        return singular, plural


_MARK = _Marker()

# Every message of WTForms' that a reporter can meet with intake's fields and
# validators (Length on text, the choices of radios, checkboxes and selects,
# required answers), listed only so that pybabel extracts them into the catalog.
# WTForms asks for them by these exact msgids when a validator fails.
WTFORMS_MESSAGES = (
    _MARK.gettext("Not a valid choice."),
    _MARK.gettext("This field is required."),
)
WTFORMS_PLURAL_MESSAGES = (
    _MARK.ngettext(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
        2,
    ),
    _MARK.ngettext(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
        2,
    ),
)


def isolate_placeholders(message: str) -> str:
    """`message` with each %(name)s / %(name)d placeholder wrapped in a directional isolate."""
    return _PLACEHOLDER.sub(
        lambda match: FIRST_STRONG_ISOLATE + match.group(0) + POP_DIRECTIONAL_ISOLATE, message
    )


class CatalogTranslations:
    """The translations object WTForms asks for its messages: intake's catalog, isolated.

    It holds the catalog of the request's language, looked up once for the form:
    each lookup through Flask-Babel's request context costs microseconds, and
    WTForms asks for a message whenever a validator fails, even one whose error
    the Optional() after it then discards (every unanswered radio of a report).
    """

    def __init__(self, catalog: support.NullTranslations) -> None:
        self._catalog = catalog

    def gettext(self, string: str) -> str:
        return isolate_placeholders(str(self._catalog.ugettext(string)))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return isolate_placeholders(str(self._catalog.ungettext(singular, plural, n)))


class IntakeForm(FlaskForm):  # type: ignore[misc]
    """Base of every intake form: WTForms' messages come from intake's catalog."""

    class Meta:
        def get_translations(self, form: Any) -> CatalogTranslations:
            # A form lives within one request, so within one language.
            return CatalogTranslations(get_translations())
