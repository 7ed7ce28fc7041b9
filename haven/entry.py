"""The `haven` console script: `haven keys encrypt|decrypt` without click, the rest through it.

`haven keys encrypt` is what a script runs once per file, so its start-up
matters (bench/keys_speed.py); click alone costs about as much as keys/. A
plainly written `haven keys encrypt` or `decrypt` runs through
keys/quick_cli.py; every other command line, and every one that asks for
help or has a usage error, goes to the click tree in haven/cli.py unchanged.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(args: Sequence[str] | None = None) -> int | None:
    """Run `haven ARGS` (default: sys.argv[1:]); the exit status unless click exits itself."""
    given = sys.argv[1:] if args is None else list(args)
    if given[:1] == ["keys"]:
        from keys.quick_cli import run

        status = run(given[1:])
        if status is not None:
            return status
    from haven.cli import main as click_main

    # args=None lets click name the program from sys.argv as it always has.
    click_main.main(args=None if args is None else given)
    return None
