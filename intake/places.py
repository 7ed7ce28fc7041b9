"""Places as choices: ISO 3166 codes named in the reporter's language from Babel's CLDR data.

A plain <select>, which needs no JavaScript and lets a keyboard jump by the
first letters of a name: the answers that mean "no place" first, then the
places most reports name, then every country by its name in the reporter's
language. The value sent and stored is the code (contracts/places.py), so the
same country is one answer whatever language the reporter wrote in.

A form names about 250 places per place question, and naming, sorting and
rendering them through WTForms' option widgets cost more CPU than anything
else a submission does but Argon2 (bench/load_harness.py, "CPU by request").
The names are sorted once per language and list, and the options' markup is
rendered once per language and list by WTForms' own option widget and reused;
only the chosen option's `selected` differs between two renderings.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from babel import Locale
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import SelectField
from wtforms.fields.choices import Choice, SelectChoice
from wtforms.validators import ValidationError
from wtforms.widgets import Select, html_params

from contracts.places import COUNTRY_CODES, DONT_KNOW, OTHER, RATHER_NOT_SAY

# Where incidents happen most: China, Hong Kong, and the host countries of the
# largest Uyghur, Tibetan and Hong Kong communities abroad (Central Asia and
# Turkey; India and Nepal; the United Kingdom, Canada, Australia, Taiwan;
# Western Europe and North America for all three).
COMMON_COUNTRIES = (
    "CN", "HK", "TR", "KZ", "KG", "UZ", "IN", "NP", "US", "CA", "GB", "AU",
    "TW", "JP", "DE", "FR", "NL", "BE", "SE", "NO", "CH",
)  # fmt: skip
# The states behind most recorded transnational repression (Freedom House,
# 2014-2024; ../shared/notes/domain.md).
COMMON_STATES = ("CN", "TR", "TJ", "RU", "IR", "RW", "EG", "SA", "KH", "BY", "ER")

_ENGLISH = Locale("en")


def place_name(code: str, locale: Locale) -> str:
    """The CLDR name of `code` in `locale`, or the English one where CLDR has none (bo lacks 80)."""
    return str(locale.territories.get(code) or _ENGLISH.territories[code])


def _sort_key(name: str) -> str:
    # Babel brings no collation; accents folded away put "Écosse" beside "Espagne"
    # and "Çin" beside "Cezayir", which is what a reader looking for a name expects.
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def by_name(codes: Sequence[str], locale: Locale) -> list[tuple[str, str]]:
    """(name, code) of each of `codes`, named in `locale` and ordered as a reader looks for them."""
    return list(_sorted_names(tuple(codes), str(locale)))


# One entry per language and list of codes: a few dozen in all.
@cache
def _sorted_names(codes: tuple[str, ...], locale_id: str) -> tuple[tuple[str, str], ...]:
    locale = Locale.parse(locale_id)
    named = ((place_name(c, locale), c) for c in codes)
    return tuple(sorted(named, key=lambda p: _sort_key(p[0])))


def place_choices(
    *, common: Sequence[str], other: bool = False
) -> Callable[[], list[SelectChoice]]:
    """The choices of a place question, built in the language of the request that renders it."""

    def build() -> list[SelectChoice]:
        locale = get_locale() or _ENGLISH
        answers = [
            SelectChoice("", _l("Choose an answer")),
            SelectChoice(DONT_KNOW, _l("I don't know")),
            SelectChoice(RATHER_NOT_SAY, _l("I'd rather not say")),
        ]
        if other:
            answers.append(SelectChoice(OTHER, _l("Another state or group (say which below)")))
        often = _l("Most often chosen")
        every = _l("All countries")
        named = by_name(common, locale)
        rest = by_name([c for c in COUNTRY_CODES if c not in common], locale)
        return [
            *answers,
            *(SelectChoice(code, name, optgroup=often) for name, code in named),
            *(SelectChoice(code, name, optgroup=every) for name, code in rest),
        ]

    return build


class PlaceSelect(Select):  # type: ignore[misc]
    """WTForms' <select> for a PlaceField, its options' markup rendered once per language."""

    def __call__(self, field: PlaceField, **kwargs: Any) -> Markup:
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for name in self.validation_attrs:
            if name not in kwargs and getattr(flags, name, False):
                kwargs[name] = getattr(flags, name)
        locale = get_locale() or _ENGLISH
        options = _options_markup(*field.places, str(locale))
        if field.data is not None:
            # Values are codes and fixed answers, each offered once: the one chosen
            # is the one option with this opening tag.
            value = escape(field.data)
            options = options.replace(
                f'<option value="{value}">', f'<option selected value="{value}">', 1
            )
        # html_params escapes every attribute and WTForms' option widget every label.
        return Markup(f"<select {html_params(name=field.name, **kwargs)}>{options}</select>")  # noqa: S704


@cache
def _options_markup(common: tuple[str, ...], other: bool, locale_id: str) -> str:
    """The options of a place list as WTForms renders them with none chosen.

    `locale_id` is the cache key only: this runs within a request in that
    language, from which the choices and their lazily translated answers
    ("Choose an answer"...) take it, as they would rendered one by one.
    """
    html: list[str] = []
    group: str | None = None
    for choice in _builder(common, other)():
        label = None if choice.optgroup is None else str(choice.optgroup)
        if label != group:
            if group is not None:
                html.append("</optgroup>")
            if label is not None:
                html.append(f"<optgroup {html_params(label=label)}>")
            group = label
        unchosen = Choice(choice.value, choice.label, selected=False, render_kw=choice.render_kw)
        html.append(Select.render_option(unchosen))
    if group is not None:
        html.append("</optgroup>")
    return "".join(html)


class PlaceField(SelectField):  # type: ignore[misc]
    """A place question: the choices of place_choices(), rendered by PlaceSelect."""

    widget = PlaceSelect()

    def __init__(
        self, label: Any = None, *, common: Sequence[str], other: bool = False, **kwargs: Any
    ) -> None:
        self.places = (tuple(common), other)
        super().__init__(label, choices=_builder(*self.places), **kwargs)

    def pre_validate(self, form: Any) -> None:
        # SelectField's test, against the list's values, which no language changes,
        # instead of naming and walking its ~250 choices.
        if self.process_errors or not self.validate_choice:
            return
        if self.data not in _values(*self.places):
            raise ValidationError(
                self.invalid_choice_message or self.gettext("Not a valid choice.")
            )


@cache
def _values(common: tuple[str, ...], other: bool) -> frozenset[str]:
    specials = ("", DONT_KNOW, RATHER_NOT_SAY, OTHER) if other else ("", DONT_KNOW, RATHER_NOT_SAY)
    return frozenset((*specials, *COUNTRY_CODES))


@cache
def _builder(common: tuple[str, ...], other: bool) -> Callable[[], list[SelectChoice]]:
    # One builder per list, so that every form's field shares one options cache entry.
    return place_choices(common=common, other=other)
