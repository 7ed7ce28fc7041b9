"""The evidence export from an unlocked case view: the same package `haven review export` writes.

The package goes into the workspace's exports/ folder (created private on
first use), named by its export id; the page says where. A consent override
needs a second reviewer's identity file and passphrase, so it stays on the
command line, where the page points.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Blueprint, abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

import keys
from review.casefile.choices import choice_label
from review.errors import ReviewError
from review.export.errors import ConsentRefused
from review.export.package import ExportRequest, export_cases, new_export_id
from review.web.forms import ExportForm
from review.web.state import refresh_triage, state, unlocked
from review.workspace.store import Workspace

EXPORTS_FOLDER = "exports"

blueprint = Blueprint("evidence", __name__, url_prefix="/case")


def exports_dir(workspace: Workspace) -> Path:
    """Where the web app writes evidence packages: <workspace>/exports/, private to its owner."""
    return workspace.root / EXPORTS_FOLDER


@blueprint.app_context_processor
def _export_form() -> dict[str, object]:
    return {"new_export_form": ExportForm, "exports_folder": exports_dir(state().workspace)}


@blueprint.route("/<case_id>/evidence", methods=["POST"])
@unlocked
def export(case_id: str) -> ResponseReturnValue:
    """Write an evidence package of the case into exports/, or say why not."""
    current = refresh_triage()
    if case_id not in current.library.reports:
        abort(404)
    form = ExportForm()
    back = redirect(url_for("case.show", case_id=case_id))
    if not form.validate_on_submit():
        flash(_("No package was written: say who it is for and why."), "error")
        return back
    recipient = None
    if (form.encrypt_to.data or "").strip():
        try:
            recipient = keys.parse_recipient(form.encrypt_to.data.strip())
        except keys.KeysError:
            flash(_("No package was written: the recipient is not an age1... or age1pq1... "
                    "key."), "error")
            return back
    if current.signing_key is None:
        abort(409)
    folder = exports_dir(state().workspace)
    folder.mkdir(mode=0o700, exist_ok=True)
    export_id = new_export_id()
    out = folder / (f"evidence-{export_id}" + (".age" if recipient is not None else ""))
    request = ExportRequest((case_id,), (form.recipient.data or "").strip(), form.kind.data,
                            (form.purpose.data or "").strip(), encrypt_to=recipient)
    try:
        done = export_cases(state().workspace, current.library, request, out=out,
                            reviewer=current.reviewer, identities=current.identities,
                            signing_key=current.signing_key, export_id=export_id)
    except ConsentRefused:
        # One case, and never the police from this form: the only refusal is the kind.
        flash(_("No package was written: the reporter's consent does not cover %(kind)s. A "
                "second reviewer can override it on the command line: haven review export "
                "--override-identity ...", kind=choice_label("consent", form.kind.data)),
              "error")
        return back
    except ReviewError as error:
        flash(_("No package was written: %(reason)s", reason=str(error)), "error")
        return back
    flash(_("Evidence package %(id)s written to %(path)s (%(size)d bytes). Check it with: "
            "haven review verify %(path)s", id=done.export_id, path=os.fspath(out),
            size=done.size), "info")
    return back
