"""The inbox: ordered, filtered, counted, searchable, with bulk actions."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from review.casefile import facets
from review.casefile.library import Arrivals
from review.casefile.matches import hits
from review.triage.record import MAX_TAG_LENGTH, TagTooLong, TriageError, clean_tags
from review.web.forms import MAX_TAGS_CHARS, BulkForm, EmptyForm
from review.web.language_choice import LANGUAGE_PARAM, remember_language, show_in_language
from review.web.state import casework, refresh_triage, reviewer_session, state, unlocked

blueprint = Blueprint("inbox", __name__)
MAX_QUERY_CHARS = 200
# Each bulk action (the value of its submit button) and the field it reads.
BULK_FIELDS = {"status": "status", "priority": "priority", "assign": "assignee", "tag": "tags"}


def _view_id() -> str:
    """The id of the view a request is about (a query argument, or a form field)."""
    return request.values.get("view", "")


def _to_view(view_id: str) -> ResponseReturnValue:
    return redirect(url_for("inbox.index", view=view_id) if view_id else url_for("inbox.index"))


@blueprint.route("/")
@unlocked
def index() -> ResponseReturnValue:
    """List the cases this reviewer can read, as the view named in the URL shows them."""
    return _inbox_page(_view_id())


@blueprint.route("/inbox/language", methods=["POST"])
@unlocked
def in_language() -> ResponseReturnValue:
    """The inbox again in the language a chooser button asked for, with the ticked cases and
    the bulk action being prepared still in their fields (review/web/language_choice.py)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    chosen = request.form.get(LANGUAGE_PARAM, "")
    show_in_language(chosen)
    page = make_response(_inbox_page(_view_id(), writing=request.form))
    remember_language(page, chosen)
    return page


def _inbox_page(view_id: str, writing: MultiDict[str, str] | None = None) -> str:
    """The inbox in view `view_id`; `writing`, if given, is what the bulk form holds."""
    current = refresh_triage()
    library = current.library
    view = current.views.get(view_id, facets.InboxView())
    ids = library.find(view.query) if view.query else list(library.reports)
    rows = [facets.CaseRow(library.reports[i], current.triage[i]) for i in ids]
    filters = view.active_filters()
    shown, counts = facets.apply(rows, filters)
    # Where the search matched each case shown: the answer and the words around it.
    found_where = ({row.report.id: hits(row.report, view.query, library.related)
                    for row in shown} if view.query else {})
    return render_template(
        "review/inbox.html",
        rows=shown,
        found_where=found_where,
        counts=counts,
        filters=filters,
        query=view.query,
        view_id=view_id if view_id in current.views else "",
        facet_names=facets.FACETS,
        not_for_me=library.not_for_me,
        damaged=library.damaged,
        form=EmptyForm(),
        bulk_form=_bulk_form(writing),
        ticked=set(writing.getlist("case")) if writing is not None else set(),
    )


def _bulk_form(writing: MultiDict[str, str] | None) -> BulkForm:
    form = BulkForm(formdata=writing)
    form.set_reviewers([r.name for r in state().workspace.reviewers()], nobody=_("nobody"))
    return form


@blueprint.route("/jump", methods=["POST"])
@unlocked
def jump() -> ResponseReturnValue:
    """Open a case by its full id or any unique start of it (the inbox shows eight)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    current = refresh_triage()
    wanted = request.form.get("case_id", "")[:MAX_QUERY_CHARS]
    case_id = current.library.resolve(wanted)
    if case_id is None:
        flash(_("No case you can read has an id that starts with %(id)s.", id=wanted.strip()),
              "error")
        return _to_view(_view_id())
    return redirect(url_for("case.show", case_id=case_id))


@blueprint.route("/arrivals/seen", methods=["POST"])
@unlocked
def arrivals_seen() -> ResponseReturnValue:
    """Hide the banner of what arrived since unlock: the reviewer has seen it."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    reviewer_session().arrivals = Arrivals()
    return redirect(url_for("inbox.index"))


@blueprint.route("/view", methods=["POST"])
@unlocked
def change_view() -> ResponseReturnValue:
    """Search or filter: the terms stay in this session's memory, the URL gets an opaque id."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    current = refresh_triage()
    view = current.views.get(_view_id(), facets.InboxView())
    if "q" in request.form:
        view = view.with_query(request.form["q"][:MAX_QUERY_CHARS].strip())
    facet, _sep, value = request.form.get("set", "").partition("=")
    if facet:
        if facet not in facets.FACETS:
            abort(400)
        view = view.with_filter(facet, value)
    return _to_view(current.keep_view(view))


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
        return _to_view(_view_id())
    action = request.form.get("action", "")
    work = casework()
    try:
        # Each action reads its own field; a field the request lacks is refused.
        if action not in BULK_FIELDS:
            raise TriageError(f"unknown action {action!r}")
        value = request.form.get(BULK_FIELDS[action])
        if value is None:
            raise TriageError(f"no {BULK_FIELDS[action]} given")
        if action == "status":
            work.set_status(case_ids, value)
        elif action == "priority":
            if not (value.isascii() and value.isdigit()):
                raise TriageError(f"unknown priority {value!r}")
            work.set_priority(case_ids, int(value))
        elif action == "assign":
            work.assign(case_ids, value or None)
        else:
            if len(value) > MAX_TAGS_CHARS:  # past the field's maxlength: not our page
                raise TriageError(f"the tags are longer than {MAX_TAGS_CHARS} characters")
            tags = clean_tags(value.split(","))
            if not tags:
                flash(_("That action could not be applied: give at least one tag."), "error")
                return _to_view(_view_id())
            work.add_tags(case_ids, tags)
    except TagTooLong:
        flash(_("That action could not be applied: a tag is longer than %(max)d characters.",
                max=MAX_TAG_LENGTH), "error")
        return _to_view(_view_id())
    except TriageError as error:
        # Only a request our page never sends gets here (an unknown status, say): the
        # workflow's own words say what was wrong with it.
        flash(_("That action could not be applied: %(reason)s", reason=str(error)), "error")
        return _to_view(_view_id())
    flash(_("Updated %(count)d cases.", count=len(case_ids)), "info")
    return _to_view(_view_id())
