"""The inbox: ordered, filtered, counted, searchable, with bulk actions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from review import facets
from review.triage import PRIORITIES, STATUSES, TriageError, clean_tags
from review.web.forms import EmptyForm
from review.web.state import casework, refresh_triage, state, unlocked

blueprint = Blueprint("inbox", __name__)
MAX_QUERY_CHARS = 200
BULK_ACTIONS = ("status", "priority", "assign", "tag")


@blueprint.route("/")
@unlocked
def index() -> ResponseReturnValue:
    """List the cases this reviewer can read."""
    current = refresh_triage()
    library = current.library
    query = request.args.get("q", "")[:MAX_QUERY_CHARS].strip()
    ids = library.search.search(query) if query else list(library.reports)
    rows = [facets.CaseRow(library.reports[i], current.triage[i]) for i in ids]
    filters = facets.active_filters(request.args)
    shown, counts = facets.apply(rows, filters)
    link_args: dict[str, Any] = {f: request.args[f] for f in facets.FACETS if request.args.get(f)}
    if query:
        link_args["q"] = query

    def facet_url(facet: str, value: str) -> str:
        return url_for("inbox.index", **{**link_args, facet: value})

    return render_template(
        "review/inbox.html",
        rows=shown,
        counts=counts,
        filters=filters,
        query=query,
        link_args=link_args,
        facet_url=facet_url,
        facet_names=facets.FACETS,
        statuses=STATUSES,
        priorities=PRIORITIES,
        reviewers=[r.name for r in state().workspace.reviewers()],
        not_for_me=library.not_for_me,
        damaged=library.damaged,
        form=EmptyForm(),
    )


@blueprint.route("/bulk", methods=["POST"])
@unlocked
def bulk() -> ResponseReturnValue:
    """Apply one action to every ticked case."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    current = refresh_triage()
    case_ids = request.form.getlist("case")
    # Only cases this reviewer can read may be changed, whatever the form says.
    if not case_ids or any(c not in current.library.reports for c in case_ids):
        flash(_("Tick at least one case."), "error")
        return redirect(url_for("inbox.index"))
    action = request.form.get("action", "")
    value = request.form.get("value", "")
    work = casework()
    try:
        if action == "status":
            work.set_status(case_ids, value)
        elif action == "priority" and value.isdigit():
            work.set_priority(case_ids, int(value))
        elif action == "assign":
            work.assign(case_ids, value or None)
        elif action == "tag":
            work.add_tags(case_ids, clean_tags(value.split(",")))
        else:
            raise TriageError(action)
    except TriageError:
        flash(_("That action could not be applied."), "error")
        return redirect(url_for("inbox.index"))
    flash(_("Updated %(count)d cases.", count=len(case_ids)), "info")
    return redirect(url_for("inbox.index"))
