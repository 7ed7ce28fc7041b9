"""The command line as a whole: every option says what it does, the README's command table
lists every command, and no count is printed with a noun that does not agree with it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click

from haven.cli import main

ROOT = Path(__file__).resolve().parents[1]
# The modules that print what the CLIs say.
CLI_SOURCES = ["haven/cli.py", "haven/demo.py", "keys/cli.py", "intake/cli.py", "review/cli.py"]
# A count printed with a fixed plural: "{n} submissions", or the "submission(s)" dodge.
_FIXED_PLURAL = re.compile(
    r"\{[^{}]+\} (?:new |other |earlier )?(?:submissions|replies|reports|cases|bundles|errors|"
    r"warnings|entries|items|files|bytes|problems|records|heads|reviewers|days|attachments)\b"
    r"|\w\((?:s|es|ies)\)")


def _commands(command: click.Command, path: tuple[str, ...] = ("haven",)
              ) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command under `command`, groups included, with the words that invoke it."""
    yield path, command
    if isinstance(command, click.Group):
        context = click.Context(command, info_name=path[-1])
        for name in command.list_commands(context):
            sub = command.get_command(context, name)
            assert sub is not None, name
            yield from _commands(sub, (*path, name))


def _leaves() -> set[str]:
    return {" ".join(path) for path, command in _commands(main)
            if not isinstance(command, click.Group)}


def test_every_option_of_every_command_has_help_text() -> None:
    missing = [
        f"{' '.join(path)} {'/'.join(param.opts)}"
        for path, command in _commands(main)
        for param in command.params
        if isinstance(param, click.Option) and not (param.help or "").strip()
    ]
    assert missing == []


def test_every_command_has_a_help_line() -> None:
    assert [" ".join(path) for path, command in _commands(main)
            if not (command.help or command.short_help or "").strip()] == []


def _table_commands(readme: str) -> set[str]:
    """The commands the README's command table names (its rows' first cells).

    A cell names one command in full, then siblings after " / " ("add-reviewer /
    remove-reviewer"); a part starting with "-" is another option of the same command.
    """
    tree = {path: command for path, command in _commands(main)}
    named: set[str] = set()
    for row in re.findall(r"^\| `haven[^|]*\|", readme, flags=re.MULTILINE):
        cell = row.strip("| ")
        parts = [part.strip() for span in re.findall(r"`([^`]+)`", cell)
                 for part in span.split(" / ")]
        path: tuple[str, ...] = ()
        for part in parts:
            words = part.split()
            if not words or words[0].startswith("-"):
                continue
            if words[0] == "haven":
                path, rest = ("haven",), words[1:]
            else:
                path, rest = path[:-1], words
            for word in rest:
                command = tree.get(path)
                if not isinstance(command, click.Group) or (*path, word) not in tree:
                    break
                path = (*path, word)
            named.add(" ".join(path))
    return named


def test_the_readme_command_table_lists_every_command() -> None:
    listed = _table_commands((ROOT / "README.md").read_text(encoding="utf-8"))
    assert sorted(_leaves() - listed) == []
    # Every row names a real command, not a group or something gone.
    assert sorted(listed - _leaves()) == []


def test_the_table_reader_sees_siblings_and_skips_options() -> None:
    table = ("| `haven review cases / reply CASE --workspace DIR` | x |\n"
             "| `haven review courier --url URL` / `--upload REPLIES` | x |\n"
             "| `haven review audit verify --workspace DIR` / `show` | x |\n")
    assert _table_commands(table) == {"haven review cases", "haven review reply",
                                      "haven review courier", "haven review audit verify",
                                      "haven review audit show"}


def test_no_count_is_printed_with_a_fixed_plural() -> None:
    found = [f"{name}:{number}: {line.strip()}"
             for name in CLI_SOURCES
             for number, line in enumerate((ROOT / name).read_text(encoding="utf-8")
                                           .splitlines(), 1)
             if _FIXED_PLURAL.search(line) and not line.lstrip().startswith("#")]
    assert found == []
