"""Accessibility in the markup of every intake page (tests/browser runs axe-core on it)."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from tests.intake.pages import Page, choose_language, every_page

CONTROLS = ("input", "textarea", "select")


@pytest.fixture(params=["en", "ar"])
def pages(request: pytest.FixtureRequest, client: FlaskClient) -> dict[str, Page]:
    """Every page, in English and in a right-to-left language."""
    choose_language(client, request.param)
    config = client.application.extensions["haven_intake"].config
    return every_page(client, max_text_chars=config.max_text_chars)


def test_every_page_has_a_title_one_heading_a_skip_link_and_unique_ids(
    pages: dict[str, Page],
) -> None:
    for name, page in pages.items():
        assert page.title, name
        assert [e.tag for e in page.elements].count("h1") == 1, name
        assert [e.tag for e in page.elements].count("main") == 1, name
        ids = [e.attrs["id"] for e in page.elements if "id" in e.attrs]
        assert len(ids) == len(set(ids)), name
        skip = page.elements[[e.tag for e in page.elements].index("body") + 1]
        assert skip.attrs == {"class": "skip-link", "href": "#main"}, name
        assert page.by_id()["main"].tag == "main", name


def test_every_control_has_a_label(pages: dict[str, Page]) -> None:
    for name, page in pages.items():
        labelled = {e.attrs["for"] for e in page.elements if e.tag == "label"}
        for control in page.elements:
            if control.tag in CONTROLS and control.attrs.get("type") != "hidden":
                assert control.attrs["id"] in labelled, (name, control)


def test_choices_are_grouped_in_fieldsets_with_legends(pages: dict[str, Page]) -> None:
    form = pages["form"].html
    grouped: set[str] = set()
    for fieldset in re.findall(r"<fieldset[^>]*>.*?</fieldset>", form, re.S):
        assert re.match(r"<fieldset[^>]*>\s*<legend>[^<]+</legend>", fieldset)
        grouped.update(re.findall(r'name="([^"]+)" type="(?:radio|checkbox)"', fieldset))
    choices = set(re.findall(r'name="([^"]+)" type="(?:radio|checkbox)"', form))
    assert choices and choices == grouped


def test_references_between_elements_resolve(pages: dict[str, Page]) -> None:
    for name, page in pages.items():
        ids = page.by_id()
        for element in page.elements:
            for attribute in ("aria-describedby", "aria-labelledby", "for"):
                for target in element.attrs.get(attribute, "").split():
                    assert target in ids, (name, element)
            href = element.attrs.get("href", "")
            if href.startswith("#"):
                assert href[1:] in ids, (name, href)


@pytest.mark.parametrize("name", ["form_errors", "form_errors_files"])
def test_the_error_summary_comes_first_and_links_to_each_field(
    pages: dict[str, Page], name: str
) -> None:
    page = pages[name]
    tags = [e.tag for e in page.elements]
    summary = next(
        i for i, e in enumerate(page.elements) if e.attrs.get("class") == "error-summary"
    )
    # First in <main>, before the heading: the first thing read after the page title.
    assert tags.index("main") < summary < tags.index("h1")
    assert page.elements[summary].attrs["role"] == "alert"
    ids = page.by_id()
    targets = [
        e.attrs["href"][1:] for e in page.elements[summary : tags.index("h1")] if e.tag == "a"
    ]
    assert targets
    for target in targets:
        field = ids[target]
        assert field.tag in CONTROLS, target
        assert field.attrs.get("aria-invalid") == "true" or field.attrs.get("type") == "radio"
        group = ids.get(target.rsplit("-", 1)[0]) if field.attrs.get("type") == "radio" else field
        assert group is not None
        errors = group.attrs["aria-describedby"].split()
        assert f"{group.attrs['id']}-errors" in errors


def test_fields_are_described_by_their_hints(pages: dict[str, Page]) -> None:
    ids = pages["form"].by_id()
    hints = [key for key in ids if key.endswith("-hint")]
    assert hints
    for hint in hints:
        field = ids[hint.removesuffix("-hint")]
        assert hint in field.attrs["aria-describedby"].split()


def test_the_current_language_is_marked_without_colour(pages: dict[str, Page]) -> None:
    for name, page in pages.items():
        current = [e for e in page.elements if e.attrs.get("aria-current") == "true"]
        assert len(current) == 1, name
