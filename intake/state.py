"""What one intake app holds: its configuration, database engine and form class."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import Engine

from intake.config import IntakeConfig
from intake.days import Today
from intake.forms import ReportFormBase

EXTENSION_KEY = "haven_intake"


@dataclass(frozen=True)
class IntakeState:
    """The app-wide objects views hand to domain code explicitly."""

    config: IntakeConfig
    engine: Engine
    report_form: type[ReportFormBase]
    today: Today


def attach_state(app: Flask, state: IntakeState) -> None:
    """Store `state` on `app` for the views of this app."""
    app.extensions[EXTENSION_KEY] = state


def intake_state() -> IntakeState:
    """Return the state of the app handling the current request."""
    state = current_app.extensions[EXTENSION_KEY]
    assert isinstance(state, IntakeState)
    return state
