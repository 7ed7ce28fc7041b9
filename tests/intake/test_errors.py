"""intake's exceptions: one family under IntakeError, all in intake/errors.py."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import intake
from intake.errors import IntakeError


def test_every_exception_of_intake_is_an_intake_error_defined_in_one_module() -> None:
    # Top-level modules only: intake.migrations holds Alembic scripts, run on import.
    names = [info.name for info in pkgutil.iter_modules(intake.__path__) if not info.ispkg]
    found = {}
    for name in names:
        module = importlib.import_module(f"intake.{name}")
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseException) and value.__module__ == module.__name__:
                found[value.__qualname__] = value
    assert set(found) >= {"IntakeError", "ConfigError", "UploadRefused", "PickupError"}
    assert {cls.__module__ for cls in found.values()} == {"intake.errors"}
    assert [name for name, cls in found.items() if not issubclass(cls, IntakeError)] == []
