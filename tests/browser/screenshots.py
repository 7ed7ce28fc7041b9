"""Screenshots of the browser tests' steps, kept under test-artifacts/browser/."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

REPOSITORY = Path(__file__).resolve().parents[2]
ARTIFACTS = REPOSITORY / "test-artifacts" / "browser"


def screenshot(page: Page, name: str, *, full_page: bool = True) -> None:
    """Keep a screenshot of this step under test-artifacts/browser/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=full_page)
