"""Intake's catalogs as the tests read them (tests/catalogs.py, AppCatalogs)."""

from __future__ import annotations

from intake.i18n import AUTONYMS, DEFAULT_LANGUAGE, TRANSLATIONS_DIR, available_languages
from tests.catalogs import AppCatalogs

CATALOGS = AppCatalogs(
    app="intake",
    sources=("intake", "templates/intake"),
    translations_dir=TRANSLATIONS_DIR,
    autonyms=AUTONYMS,
    default_language=DEFAULT_LANGUAGE,
    available_languages=available_languages,
    marked={
        "Is anyone in danger right now?": "N_ in intake/questionnaire.py",
        "Quick exit": "_() in templates/intake/base.html",
        "Too large": "_l in intake/error_pages.py",
        "Please tell us what happened, or attach at least one file.":
            "lazy_gettext in intake/forms.py",
    },
    # Intake ships a catalog for every language of its chooser: one missing is a failure.
    missing_catalog_skips=False,
)
