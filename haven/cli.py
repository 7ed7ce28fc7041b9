"""The `haven` command: one entry point for `haven keys`, `haven intake` and `haven review`.

Each group is imported only when it is invoked, so `haven keys` works on a
reviewer's offline machine without loading the intake web stack, and so that
intake/ and review/ never end up importing each other through this module.
The console script is haven/entry.py, which runs a plainly written
`haven keys encrypt` or `decrypt` without importing click, and this group for
everything else.
"""

from __future__ import annotations

import importlib

import click

# name -> (module, attribute, help line)
_GROUPS: dict[str, tuple[str, str, str]] = {
    "keys": ("keys.cli", "keys_group", "age v1 keys: generate, encrypt, decrypt."),
    "intake": ("intake.cli", "intake_group", "The online intake server reporters use."),
    "review": ("review.cli", "review_group", "The offline review workspace."),
    "demo": ("haven.demo", "demo_command", "Set up ./haven-demo/ and start intake with demo keys."),
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_GROUPS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = _GROUPS.get(cmd_name)
        if entry is None:
            return None
        module_name, attribute, _ = entry
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Listing help lines without importing every group keeps `haven --help` fast.
        rows = [(name, _GROUPS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=_LazyGroup)
@click.version_option(package_name="haven")
def main() -> None:
    """Haven: secure intake for reports of transnational repression."""
