"""How `haven review` reports a failure: one line naming what was refused, exit status 1.

Every command of the group runs through `ReviewCommand`, so a `ReviewError` (or
a `KeysError` from keys, such as a recipient that does not parse) raised
anywhere below a command becomes the same kind of message, without a
traceback and without each command catching it again.
"""

from __future__ import annotations

from typing import Any

import click

import keys
from review.errors import BundleError, ReviewError

# What a reviewer needs to read first, by kind of failure: a refused bundle left
# nothing behind, a refused recipient added no one.
_WHAT_WAS_REFUSED: tuple[tuple[type[Exception], str], ...] = (
    (BundleError, "bundle refused, nothing imported"),
    (keys.RecipientError, "cannot add that recipient"),
)


def failure_line(error: ReviewError | keys.KeysError) -> str:
    """The one line printed for `error`."""
    for kind, refused in _WHAT_WAS_REFUSED:
        if isinstance(error, kind):
            return f"{refused}: {error}"
    return str(error)


class ReviewCommand(click.Command):
    """A click command whose Haven errors end it with `failure_line` and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (ReviewError, keys.KeysError) as error:
            raise click.ClickException(failure_line(error)) from None


class ReviewGroup(click.Group):
    """A click group whose commands (and subgroups' commands) are `ReviewCommand`s."""

    command_class = ReviewCommand
    group_class = type
