"""intake/: the online form reporters use, encrypting everything on arrival.

Depends on keys/ only; meets review/ only through pickup bundles
(docs/pickup-bundle.md).
"""

from intake.app import create_app

__all__ = ["create_app"]
