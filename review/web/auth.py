"""Unlock and lock."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from review import audit
from review.casework import Casework
from review.errors import UnlockError
from review.library import CaseLibrary
from review.unlock import match_reviewer, open_identities
from review.vault import ReviewerSession
from review.web.forms import EmptyForm, UnlockForm
from review.web.state import HANDLE_FIELD, state

blueprint = Blueprint("auth", __name__)


@blueprint.route("/unlock", methods=["GET", "POST"])
def unlock() -> ResponseReturnValue:
    """Show the unlock form, or unlock with an identity file and passphrase."""
    form = UnlockForm()
    if not form.validate_on_submit():
        return render_template("review/unlock.html", form=form)
    app_state = state()
    try:
        identities = open_identities(
            form.identity.data.read(), passphrase=form.passphrase.data or ""
        )
        unlocked = match_reviewer(identities, app_state.workspace.reviewers())
    except UnlockError:
        app_state.throttle.failed()
        flash(_("That identity file and passphrase did not unlock this workspace."), "error")
        return render_template("review/unlock.html", form=form), 401
    app_state.throttle.succeeded()
    library = CaseLibrary.build(app_state.workspace, identities=unlocked.identities)
    # Reviewers added since a note was written can read it once anyone who can unlocks.
    Casework(app_state.workspace, unlocked.reviewer, unlocked.identities).reseal_stale()
    with app_state.workspace.transaction() as db:
        audit.append(db, actor=unlocked.reviewer, action="unlock", subject="workspace",
                     detail=f"decrypted {len(library.reports)} reports to build the index")
    token = app_state.vault.open(
        ReviewerSession(unlocked.reviewer, unlocked.identities, library)
    )
    session.clear()
    session[HANDLE_FIELD] = token
    return redirect(url_for("inbox.index"))


@blueprint.route("/lock", methods=["POST"])
def lock() -> ResponseReturnValue:
    """Forget this session's identities and decrypted cases now."""
    if EmptyForm().validate_on_submit():
        state().vault.close(session.get(HANDLE_FIELD))
        session.clear()
    return redirect(url_for("auth.unlock"))
