"""intake/: the online form reporters use, encrypting everything on arrival.

Depends on keys/ only; meets review/ only through pickup bundles
(docs/pickup-bundle.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from intake.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    # The web app (Flask, WTForms, Babel, the templates) is imported when it is asked
    # for, not with the package: an operator's `haven intake pickup`, run every few
    # minutes beside the server, spent most of its 0.7 s of CPU importing it.
    if name == "create_app":
        from intake.app import create_app

        return create_app
    raise AttributeError(f"module 'intake' has no attribute {name!r}")
