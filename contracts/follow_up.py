"""The follow-up document: what a reporter adds to their case after checking back.

It travels like a first report (report.age of its own submission in a pickup
bundle, version 3, whose manifest entry names the case it `follows`), and is
described in docs/pickup-bundle.md.
"""

from __future__ import annotations

FORMAT = "haven-follow-up"
VERSION = 1
