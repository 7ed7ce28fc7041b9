"""The audit log page: every entry (who, what, when, which case), newest first, a page at a time.

The log holds no decrypted text, but it says which cases exist and who read
what, so only an unlocked reviewer sees it. A case is linked when this
reviewer can open it; `?case=` takes a short id as the inbox shows it.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from review.web.audit_sentences import read
from review.web.state import reviewer_session, state, unlocked
from review.workspace.audit_query import PAGE_SIZE, page_of_entries, resolve_case

blueprint = Blueprint("audit_log", __name__)
MAX_CASE_QUERY_CHARS = 64


@blueprint.route("/audit")
@unlocked
def index() -> ResponseReturnValue:
    """The log, or one case's part of it (?case=SHORT_ID), PAGE_SIZE entries per page."""
    asked = request.args.get("case", "").strip()[:MAX_CASE_QUERY_CHARS]
    number = request.args.get("page", "1")
    page_number = int(number) if number.isdigit() and 0 < int(number) < 10**6 else 1
    with state().workspace.sessions() as db:
        case_id = resolve_case(db, asked) if asked else None
        if asked and case_id is None:
            return render_template("review/audit.html", readings=[], asked=asked,
                                   unknown_case=True, case_id=None, page=1, pages=1,
                                   total=0, readable=set()), 404
        found = page_of_entries(db, case_id=case_id, offset=(page_number - 1) * PAGE_SIZE)
        readings = [read(entry) for entry in found.entries]
    pages = max(1, -(-found.total // PAGE_SIZE))
    return render_template(
        "review/audit.html", readings=readings, asked=asked, unknown_case=False,
        case_id=case_id, page=min(page_number, pages), pages=pages, total=found.total,
        readable=set(reviewer_session().library.reports))
