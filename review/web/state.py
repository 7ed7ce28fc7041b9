"""What the review app's views share: the workspace, the vault and the unlocked session."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec

from flask import current_app, flash, g, redirect, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from review.config import ReviewConfig
from review.session.unlock import Throttle
from review.session.vault import ReviewerSession, Vault
from review.triage.changes import Casework
from review.workspace import audit
from review.workspace.store import Workspace

EXTENSION_KEY = "haven_review"
# The session cookie carries only this handle to the in-memory vault entry.
HANDLE_FIELD = "handle"

P = ParamSpec("P")


@dataclass(frozen=True)
class ReviewState:
    """Per-app objects, created in the factory."""

    config: ReviewConfig
    workspace: Workspace
    vault: Vault
    throttle: Throttle


def state() -> ReviewState:
    """The state of the running app."""
    found = current_app.extensions[EXTENSION_KEY]
    assert isinstance(found, ReviewState)
    return found


def reviewer_session() -> ReviewerSession:
    """The unlocked session of this request (only inside `unlocked` views)."""
    found = g.reviewer_session
    assert isinstance(found, ReviewerSession)
    return found


def casework() -> Casework:
    """Triage operations acting as this request's reviewer."""
    current = reviewer_session()
    return Casework(state().workspace, current.reviewer, current.identities)


def refresh_triage() -> ReviewerSession:
    """The session with its triage brought up to date with the database."""
    current = reviewer_session()
    # A bundle imported while this session is unlocked shows on the next page.
    arrived = current.library.take_in_new(state().workspace, identities=current.identities)
    if arrived:
        current.arrivals = current.arrivals + arrived
        with state().workspace.transaction() as db:
            audit.append(db, actor=current.reviewer, action="index", subject="workspace",
                         detail=f"decrypted {len(arrived.reports)} new reports and "
                                f"{len(arrived.follow_ups)} cases' follow-ups imported "
                                "since unlock, to add them to the index")
    current.triage = casework().load(current.triage, set(current.library.reports))
    # A case removed (`haven review remove`) while the app runs has no triage row now.
    current.library.forget_removed(state().workspace, triaged=current.triage)
    return current


def unlocked(view: Callable[P, ResponseReturnValue]) -> Callable[P, ResponseReturnValue]:
    """Run `view` only for an unlocked, non-idle session; otherwise go to the unlock page."""

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
        token = session.get(HANDLE_FIELD)
        found = state().vault.get(token)
        if found is None:
            if token is not None:
                session.clear()
                flash(_("The workspace locked itself. Unlock it again to continue."), "info")
            return redirect(url_for("auth.unlock"))
        g.reviewer_session = found
        return view(*args, **kwargs)

    return wrapper
