"""Every request a browser context makes, recorded, and kept on 127.0.0.1."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playwright.sync_api import Request, Route


@dataclass
class Recorded:
    """Every request one browser context made: method, URL and posted body."""

    requests: list[tuple[str, str, bytes]] = field(default_factory=list)

    def record(self, request: Request) -> None:
        self.requests.append((request.method, request.url, request.post_data_buffer or b""))

    def guard(self, route: Route) -> None:
        # Routing every request also makes Chromium hand over multipart bodies with
        # files, which it otherwise withholds from the request event.
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def hosts(self) -> set[str]:
        return {urlsplit(url).hostname or url for _, url, _ in self.requests}
