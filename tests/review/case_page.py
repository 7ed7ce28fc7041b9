"""A case page's attachments, as the review web app renders them."""

from __future__ import annotations

import html

from flask.testing import FlaskClient


def attachment_articles(client: FlaskClient, case_id: str) -> list[str]:
    """Each attachment's `<article>` on the case page, in order, its entities unescaped."""
    page = client.get(f"/case/{case_id}").get_data(as_text=True)
    return [html.unescape(article) for article in page.split('<article class="attachment">')[1:]]
