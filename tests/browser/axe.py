"""Running axe-core in a page, for the accessibility checks of both apps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

# WCAG 2.0, 2.1 and 2.2, levels A and AA: what Haven's pages promise.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
_RUN_AXE = """async tags => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                           resultTypes: ["violations"]});
  return results.violations.map(v => ({rule: v.id, help: v.help,
                                       nodes: v.nodes.map(n => n.target.join(" "))}));
}"""


def axe_violations(page: Page, axe_core: Path) -> list[dict[str, Any]]:
    """Inject axe-core into `page` (which must allow script now) and list its violations."""
    page.add_script_tag(path=axe_core)
    found: list[dict[str, Any]] = page.evaluate(_RUN_AXE, WCAG_TAGS)
    return found
