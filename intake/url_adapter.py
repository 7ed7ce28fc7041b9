"""The URL adapter of the current request, even when werkzeug refused its Host header."""

from __future__ import annotations

from flask import current_app, request
from flask.globals import request_ctx
from werkzeug.routing import MapAdapter

# Stands in for a Host header werkzeug refused; never appears in a page, since
# every link Haven builds is a path.
PLACEHOLDER_HOST = "intake.invalid"


def url_adapter() -> MapAdapter:
    """The request's URL adapter, bound to a placeholder host if its own was refused.

    Werkzeug refuses a Host header it cannot encode (an empty or over-long label)
    before routing, and Flask is then left with no URL adapter: the 400 page for
    that request could not build its links and became a bare 500. Every link on
    Haven's pages is a path, which no host changes, so a placeholder host is safe;
    the request itself still gets the 400 (its routing exception stands).
    """
    if request_ctx.url_adapter is None:
        request_ctx.url_adapter = current_app.url_map.bind(
            PLACEHOLDER_HOST, script_name=request.root_path or "/", url_scheme=request.scheme
        )
    return request_ctx.url_adapter
