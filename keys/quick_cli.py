"""`haven keys encrypt` and `haven keys decrypt` without click, for a short start-up.

Importing click costs about as much as all of keys/ (bench/keys_speed.py
measures the start-up). The `haven` console script (haven/entry.py) hands the
arguments after `keys` to `run` first. It understands only a plainly written
command line: the options of keys/cli.py's encrypt and decrypt commands, as
`-r VALUE`, `--recipient VALUE` or `--recipient=VALUE`, and one INPUT. For
anything else (--help, an unknown or bundled option, a value that looks like
an option, a path click would refuse, options that do not go together) it
returns None before reading or writing anything, and the caller runs the click
command, which prints the help or the usage error exactly as it always has.
So this module never has to reproduce click's help and error texts, and the
click commands stay the reference: what is accepted here runs the same
functions (keys/commands.py) that they run.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable, Sequence

from keys import commands


class _Option:
    """One option as keys/cli.py declares it."""

    # A plain class: a NamedTuple or dataclass costs more to define than this
    # whole module otherwise takes to load.
    __slots__ = ("dest", "is_path", "kind", "must_exist")

    def __init__(
        self, dest: str, kind: str, *, must_exist: bool = False, is_path: bool = False
    ) -> None:
        self.dest = dest
        #: "value", "values" (the option may be repeated) or "flag".
        self.kind = kind
        #: click.Path(exists=True, dir_okay=False): there, and not a directory.
        self.must_exist = must_exist
        #: click.Path(dir_okay=False): a path that may be absent, never a directory.
        self.is_path = is_path or must_exist


class _CommandLine:
    """What a plainly written command line said."""

    __slots__ = ("flags", "input_path", "repeated", "values")

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.repeated: dict[str, tuple[str, ...]] = {}
        self.flags: dict[str, bool] = {}
        self.input_path: str | None = None


_OUTPUT = _Option("output", "value", is_path=True)

_ENCRYPT: dict[str, _Option] = {
    "-r": _Option("recipient_texts", "values"),
    "--recipient": _Option("recipient_texts", "values"),
    "-R": _Option("recipient_files", "values", must_exist=True),
    "--recipients-file": _Option("recipient_files", "values", must_exist=True),
    "-p": _Option("ask_passphrase", "flag"),
    "--passphrase": _Option("ask_passphrase", "flag"),
    "--passphrase-file": _Option("passphrase_file", "value", must_exist=True),
    "-a": _Option("armor", "flag"),
    "--armor": _Option("armor", "flag"),
    "-o": _OUTPUT,
    "--output": _OUTPUT,
}

_DECRYPT: dict[str, _Option] = {
    "-i": _Option("identity_files", "values", must_exist=True),
    "--identity": _Option("identity_files", "values", must_exist=True),
    "--identity-passphrase-file": _Option("identity_passphrase_file", "value", must_exist=True),
    "--passphrase-file": _Option("passphrase_file", "value", must_exist=True),
    "-o": _OUTPUT,
    "--output": _OUTPUT,
}


def _click_accepts_path(path: str, option: _Option) -> bool:
    """What click.Path(exists=..., dir_okay=False) decides, without click."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return not option.must_exist
    return not stat.S_ISDIR(mode) and os.access(path, os.R_OK)


def _parse(args: Sequence[str], table: dict[str, _Option]) -> _CommandLine | None:
    """The options and INPUT of a plainly written command line, or None to leave it to click."""
    line = _CommandLine()
    pending = list(args)
    while pending:
        word = pending.pop(0)
        if word == "-" or not word.startswith("-"):
            if line.input_path is not None:
                return None  # a second INPUT: click's usage error
            line.input_path = word
            continue
        name, equals, inline = word.partition("=") if word.startswith("--") else (word, "", "")
        option = table.get(name)
        if option is None:
            return None  # --help, --, -ar, a misspelt option: click answers
        if option.kind == "flag":
            if equals:
                return None
            line.flags[option.dest] = True
            continue
        if equals:
            value = inline
        elif pending and not (pending[0].startswith("-") and pending[0] != "-"):
            value = pending.pop(0)
        else:
            return None  # no value, or one that click might read differently
        if option.is_path and not _click_accepts_path(value, option):
            return None
        if option.kind == "values":
            line.repeated[option.dest] = (*line.repeated.get(option.dest, ()), value)
        else:
            line.values[option.dest] = value
    return line


def _encrypt(line: _CommandLine) -> Callable[[], None]:
    recipient_texts = line.repeated.get("recipient_texts", ())
    recipient_files = line.repeated.get("recipient_files", ())
    ask_passphrase = line.flags.get("ask_passphrase", False)
    passphrase_file = line.values.get("passphrase_file")
    commands.check_encrypt_usage(
        recipient_texts=recipient_texts,
        recipient_files=recipient_files,
        uses_passphrase=ask_passphrase or passphrase_file is not None,
    )
    return lambda: commands.encrypt(
        recipient_texts=recipient_texts,
        recipient_files=recipient_files,
        ask_passphrase=ask_passphrase,
        passphrase_file=passphrase_file,
        armor=line.flags.get("armor", False),
        output=line.values.get("output"),
        input_path=line.input_path,
    )


def _decrypt(line: _CommandLine) -> Callable[[], None]:
    identity_files = line.repeated.get("identity_files", ())
    passphrase_file = line.values.get("passphrase_file")
    commands.check_decrypt_usage(identity_files=identity_files, passphrase_file=passphrase_file)
    return lambda: commands.decrypt(
        identity_files=identity_files,
        identity_passphrase_file=line.values.get("identity_passphrase_file"),
        passphrase_file=passphrase_file,
        output=line.values.get("output"),
        input_path=line.input_path,
    )


_Prepare = Callable[[_CommandLine], Callable[[], None]]
_COMMANDS: dict[str, tuple[dict[str, _Option], _Prepare]] = {
    "encrypt": (_ENCRYPT, _encrypt),
    "decrypt": (_DECRYPT, _decrypt),
}


def run(args: Sequence[str]) -> int | None:
    """Run `haven keys ARGS` if it is a plain encrypt or decrypt: its exit status, else None.

    None means nothing was read, written or printed: the caller runs the click
    command instead. Failures end as click's would: "Error: ..." on stderr and
    status 1; an interrupted passphrase prompt "Aborted!" and status 1.
    """
    if not args or args[0] not in _COMMANDS:
        return None
    table, prepare = _COMMANDS[args[0]]
    line = _parse(args[1:], table)
    if line is None:
        return None
    try:
        command = prepare(line)
    except commands.UsageProblem:
        return None
    try:
        command()
    except commands.CommandFailed as err:
        sys.stderr.write(f"Error: {err}\n")
        return 1
    except (EOFError, KeyboardInterrupt):
        sys.stderr.write("\nAborted!\n")
        return 1
    return 0
