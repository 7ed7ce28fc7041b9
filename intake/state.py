"""What one intake app holds: configuration, database engine, form class, derivation gate."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, current_app
from sqlalchemy import Engine

from intake.capability import CapabilityIssuer
from intake.checkback_forms import FollowUpFormBase
from intake.config import IntakeConfig
from intake.days import Today
from intake.derivation_gate import DerivationGate
from intake.empty_forms import EmptyFormPages
from intake.filled_pages import FilledPages
from intake.forms import ReportFormBase
from intake.leases import LeaseKeeper

EXTENSION_KEY = "haven_intake"


@dataclass(frozen=True)
class IntakeState:
    """The app-wide objects views hand to domain code explicitly."""

    config: IntakeConfig
    engine: Engine
    report_form: type[ReportFormBase]
    follow_up_form: type[FollowUpFormBase]
    today: Today
    # Rations Argon2 between submissions and check-backs in this process.
    gate: DerivationGate
    capabilities: CapabilityIssuer
    # Renews this process's staged uploads and collects dead ones.
    leases: LeaseKeeper
    # The empty report form as rendered in each language (intake/empty_forms.py).
    empty_forms: EmptyFormPages = field(default_factory=EmptyFormPages)
    # The receipt page's text in each language (intake/receipt_page.py).
    receipt_pages: FilledPages = field(default_factory=FilledPages)


def attach_state(app: Flask, state: IntakeState) -> None:
    """Store `state` on `app` for the views of this app."""
    app.extensions[EXTENSION_KEY] = state


def state_of(app: Flask) -> IntakeState:
    """Return the state attached to `app`."""
    state = app.extensions[EXTENSION_KEY]
    assert isinstance(state, IntakeState)
    return state


def intake_state() -> IntakeState:
    """Return the state of the app handling the current request."""
    state = current_app.extensions[EXTENSION_KEY]
    assert isinstance(state, IntakeState)
    return state
