"""Unlock and lock."""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from review.casefile.library import CaseLibrary
from review.errors import ConfigError, UnlockError
from review.session.signing_keys import unlock_signing_key
from review.session.unlock import (
    MAX_IDENTITY_FILE_BYTES,
    identity_file_id,
    match_reviewer,
    open_identities,
)
from review.session.vault import ReviewerSession
from review.triage.changes import Casework
from review.web.forms import EmptyForm, UnlockForm
from review.web.state import HANDLE_FIELD, state
from review.workspace import audit
from review.workspace.heads import publish_head

blueprint = Blueprint("auth", __name__)


@blueprint.route("/unlock", methods=["GET", "POST"])
def unlock() -> ResponseReturnValue:
    """Show the unlock form, or unlock with an identity file and passphrase."""
    form = UnlockForm()
    if not form.validate_on_submit():
        return render_template("review/unlock.html", form=form)
    app_state = state()
    data = form.identity.data.read(MAX_IDENTITY_FILE_BYTES + 1)
    file_id = identity_file_id(data)
    wait = app_state.throttle.begin(file_id)
    if wait:
        # Answered at once: a worker thread never sleeps on an attacker's behalf.
        flash(_("Too many failed attempts with this identity file. Try again in %(seconds)d s.",
                seconds=wait), "error")
        response = make_response(render_template("review/unlock.html", form=form), 429)
        response.headers["Retry-After"] = str(wait)
        return response
    try:
        identities = open_identities(data, passphrase=form.passphrase.data or "",
                                     min_work_factor=app_state.config.min_work_factor)
        unlocked = match_reviewer(identities, app_state.workspace.reviewers())
    except UnlockError:
        app_state.throttle.failed(file_id)
        with app_state.workspace.transaction() as db:
            # Who tried is unknown; the file's id lets repeated guessing be seen.
            audit.append(db, actor="-", action="unlock-failed", subject="workspace",
                         detail=f"identity file {file_id[:40]}")
        flash(_("That identity file and passphrase did not unlock this workspace."), "error")
        return render_template("review/unlock.html", form=form), 401
    app_state.throttle.succeeded(file_id)
    # Created now for a reviewer whose workspace predates reply bundles; kept in memory only.
    signing_key = unlock_signing_key(app_state.workspace, reviewer=unlocked.reviewer,
                                     identity=unlocked.identity)
    library = CaseLibrary.build(app_state.workspace, identities=unlocked.identities)
    # Reviewers added since a note was written can read it once anyone who can unlocks.
    Casework(app_state.workspace, unlocked.reviewer, unlocked.identities).reseal_stale()
    with app_state.workspace.transaction() as db:
        audit.append(db, actor=unlocked.reviewer, action="unlock", subject="workspace",
                     detail=f"decrypted {len(library.reports)} reports to build the index")
    token = app_state.vault.open(
        ReviewerSession(unlocked.reviewer, unlocked.identities, library,
                        signing_key=signing_key),
        replacing=session.get(HANDLE_FIELD),
    )
    session.clear()
    session[HANDLE_FIELD] = token
    return redirect(url_for("inbox.index"))


@blueprint.route("/lock", methods=["POST"])
def lock() -> ResponseReturnValue:
    """Forget this session's identities and decrypted cases now; publish the audit head."""
    if EmptyForm().validate_on_submit():
        state().vault.close(session.get(HANDLE_FIELD))
        session.clear()
        try:
            head = publish_head(state().workspace, state().config.heads_file, event="lock")
            flash(_("Locked. The audit log's head is now %(head)s.", head=str(head)), "info")
        except ConfigError as error:
            flash(_("Locked, but the audit head was not published: %(reason)s",
                    reason=str(error)), "error")
    return redirect(url_for("auth.unlock"))
