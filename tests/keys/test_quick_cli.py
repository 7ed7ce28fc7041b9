"""keys/quick_cli.py: the click-free `haven keys encrypt|decrypt` agrees with the click commands.

It either runs a command line exactly as keys/cli.py would (same functions,
same output, same error lines and exit status) or declines it untouched, and
then the click command answers; these tests hold both halves.
"""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import keys
from haven.cli import main as click_main
from keys import passphrase as passphrases
from keys import quick_cli
from tests.keys.passphrases import PASSPHRASE
from tests.support import WAIT_SECONDS

ConsoleRun = Callable[..., subprocess.CompletedProcess[bytes]]


class _Stdio:
    """Binary standard input and output for an in-process run."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, data: bytes = b"") -> None:
        self.stdin = io.TextIOWrapper(io.BytesIO(data))
        self.stdout = io.TextIOWrapper(io.BytesIO())
        self.stderr = io.StringIO()
        monkeypatch.setattr(sys, "stdin", self.stdin)
        monkeypatch.setattr(sys, "stdout", self.stdout)
        monkeypatch.setattr(sys, "stderr", self.stderr)

    def out(self) -> bytes:
        self.stdout.flush()
        buffer = self.stdout.buffer
        assert isinstance(buffer, io.BytesIO)
        return buffer.getvalue()


@pytest.fixture
def recipient(x25519_identity: keys.X25519Identity) -> str:
    return str(x25519_identity.recipient())


@pytest.fixture
def identity_file(tmp_path: Path, x25519_identity: keys.X25519Identity) -> Path:
    path = tmp_path / "key.txt"
    keys.write_identity_file(path, [x25519_identity])
    return path


@pytest.fixture
def plain(tmp_path: Path) -> Path:
    path = tmp_path / "plain.txt"
    path.write_bytes(b"the words of a report")
    return path


@pytest.mark.parametrize(
    "spelling",
    [
        ["-r", "{R}", "-o", "{OUT}", "{IN}"],
        ["--recipient", "{R}", "--output", "{OUT}", "{IN}"],
        ["--recipient={R}", "--output={OUT}", "{IN}"],
        ["{IN}", "-o", "{OUT}", "-r", "{R}"],
        ["-R", "{RFILE}", "-o", "{OUT}", "{IN}"],
        ["--recipients-file={RFILE}", "-r", "{R}", "--armor", "-o", "{OUT}", "{IN}"],
        ["-a", "-r", "{R}", "-o", "{OUT}", "-"],
    ],
)
def test_each_spelling_of_encrypt_runs_here(
    spelling: list[str],
    tmp_path: Path,
    recipient: str,
    plain: Path,
    x25519_identity: keys.X25519Identity,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rfile = tmp_path / "recipients.txt"
    rfile.write_text(f"# reviewers\n{recipient}\n")
    out = tmp_path / "out.age"
    names = {"{R}": recipient, "{OUT}": str(out), "{IN}": str(plain), "{RFILE}": str(rfile)}
    args = [
        next((word.replace(k, v) for k, v in names.items() if k in word), word) for word in spelling
    ]
    stdio = _Stdio(monkeypatch, plain.read_bytes())
    assert quick_cli.run(["encrypt", *args]) == 0
    assert stdio.stderr.getvalue() == ""
    assert keys.decrypt(out.read_bytes(), identities=[x25519_identity]) == plain.read_bytes()


def test_encrypt_to_standard_output_and_decrypt_from_standard_input(
    recipient: str, identity_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    encrypting = _Stdio(monkeypatch, b"from stdin")
    assert quick_cli.run(["encrypt", "-a", "-r", recipient]) == 0
    armored = encrypting.out()
    assert armored.startswith(b"-----BEGIN AGE ENCRYPTED FILE-----")
    decrypting = _Stdio(monkeypatch, armored)
    assert quick_cli.run(["decrypt", "-i", str(identity_file)]) == 0
    assert decrypting.out() == b"from stdin"


def test_decrypt_with_a_passphrase_file_runs_here(
    tmp_path: Path,
    scrypt_recipient: Callable[[str], keys.ScryptRecipient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pw = tmp_path / "pw.txt"
    pw.write_text(PASSPHRASE + "\n")
    sealed = tmp_path / "sealed.age"
    sealed.write_bytes(keys.encrypt(b"by passphrase", recipients=[scrypt_recipient(PASSPHRASE)]))
    out = tmp_path / "opened.txt"
    _Stdio(monkeypatch)
    assert (
        quick_cli.run(["decrypt", "--passphrase-file", str(pw), "-o", str(out), str(sealed)]) == 0
    )
    assert out.read_bytes() == b"by passphrase"


# Command lines left to click, and the exit status it answers with: 0 for help
# and for what only click runs (generate, bundled flags), 2 for a usage error. "{DIR}" is a
# directory, "{KEY}" an identity file, "{PW}" a passphrase file.
DECLINED: list[tuple[list[str], int]] = [
    (["generate", "--classic"], 0),
    (["encrypt", "--help"], 0),
    (["decrypt", "--help"], 0),
    (["encrypt", "-h"], 2),
    (["encrypt", "-ar", "{R}"], 0),
    (["encrypt", "-r"], 2),
    # click takes "--armor" as the recipient; declining costs nothing but speed.
    (["encrypt", "-r", "--armor"], 1),
    (["encrypt", "--armor=yes", "-r", "{R}"], 2),
    (["encrypt", "-r", "{R}", "one", "two"], 2),
    (["encrypt", "--recipent", "{R}"], 2),
    (["encrypt", "-R", "/nonexistent/recipients"], 2),
    (["encrypt", "-R", "{DIR}"], 2),
    (["encrypt", "-r", "{R}", "-o", "{DIR}"], 2),
    (["encrypt", "-a"], 2),
    (["encrypt", "-p", "-r", "{R}"], 2),
    (["encrypt", "--passphrase-file", "{PW}", "-R", "{KEY}"], 2),
    (["decrypt", "-i", "/nonexistent/key"], 2),
    (["decrypt", "-i", "{KEY}", "--passphrase-file", "{PW}"], 2),
    (["decrypt", "--identity-passphrase-file", "{DIR}", "-i", "{KEY}"], 2),
]


@pytest.mark.parametrize(("template", "click_status"), DECLINED)
def test_help_and_usage_errors_are_left_to_click(
    template: list[str],
    click_status: int,
    tmp_path: Path,
    recipient: str,
    identity_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pw = tmp_path / "pw.txt"
    pw.write_text("a passphrase\n")
    names = {"{R}": recipient, "{DIR}": str(tmp_path), "{KEY}": str(identity_file), "{PW}": str(pw)}
    args = [names.get(word, word) for word in template]
    before = sorted(tmp_path.iterdir())
    stdio = _Stdio(monkeypatch, b"must not be read")
    assert quick_cli.run(args) is None
    # Declined untouched: nothing read, printed or created.
    assert stdio.stdin.buffer.tell() == 0
    assert stdio.out() == b""
    assert stdio.stderr.getvalue() == ""
    assert sorted(tmp_path.iterdir()) == before
    monkeypatch.undo()
    answered = CliRunner().invoke(click_main, ["keys", *args], input=b"")
    assert answered.exit_code == click_status, answered.output
    if click_status == 2:
        assert answered.stderr.startswith(("Usage:", "Error:")), answered.stderr


def test_an_interrupted_passphrase_prompt_is_aborted_as_click_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def interrupted(prompt: str, *, confirm: bool = False) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(passphrases, "ask", interrupted)
    clicked = CliRunner().invoke(click_main, ["keys", "encrypt", "-p"], input=b"")
    stdio = _Stdio(monkeypatch)
    assert quick_cli.run(["encrypt", "-p"]) == 1
    assert stdio.stderr.getvalue() == clicked.stderr == "\nAborted!\n"
    assert clicked.exit_code == 1


@pytest.fixture
def console() -> Callable[[str], ConsoleRun]:
    """Run `haven keys ...` in a child through the console script's entry or click's group."""
    entries = {
        "entry": "import sys; from haven.entry import main; sys.exit(main())",
        "click": "from haven.cli import main; main()",
    }

    def pick(which: str) -> ConsoleRun:
        def run(*args: str, input: bytes = b"") -> subprocess.CompletedProcess[bytes]:
            return subprocess.run(
                [sys.executable, "-c", entries[which], "keys", *args],
                input=input,
                capture_output=True,
                timeout=WAIT_SECONDS,
                check=False,
            )

        return run

    return pick


def test_failures_read_the_same_on_both_paths(
    tmp_path: Path,
    identity_file: Path,
    plain: Path,
    recipient: str,
    hybrid_identity: keys.HybridIdentity,
    console: Callable[[str], ConsoleRun],
) -> None:
    empty_pw = tmp_path / "empty.txt"
    empty_pw.write_text("")
    other = keys.X25519Identity.generate().recipient()
    sealed = keys.encrypt(b"not for this key", recipients=[other])
    truncated = tmp_path / "truncated.age"
    truncated.write_bytes(
        keys.encrypt(b"x" * 100_000, recipients=[keys.parse_recipient(recipient)])[:-10]
    )
    cases: list[tuple[list[str], bytes]] = [
        (["encrypt", "-r", "age1notarecipient"], b""),
        (["encrypt", "-a", "-r", recipient, "-r", str(hybrid_identity.recipient())], b"x"),
        (["encrypt", "--passphrase-file", str(empty_pw)], b"x"),
        (["encrypt", "-r", recipient, "/nonexistent/input"], b""),
        (["encrypt", "-r", recipient, "-o", str(plain), str(plain)], b""),
        (["decrypt", "-i", str(identity_file)], sealed),
        (["decrypt", "-i", str(identity_file), "-o", str(tmp_path / "out"), str(truncated)], b""),
    ]
    for args, data in cases:
        quick, clicked = console("entry")(*args, input=data), console("click")(*args, input=data)
        assert quick.returncode == clicked.returncode == 1, args
        assert quick.stderr == clicked.stderr, args
        assert quick.stderr.startswith(b"Error: ") and quick.stderr.count(b"\n") == 1, args
        assert quick.stdout == clicked.stdout == b"", args
    assert not (tmp_path / "out").exists()
    assert plain.read_bytes() == b"the words of a report"


def test_everything_else_still_reaches_click(console: Callable[[str], ConsoleRun]) -> None:
    helped = console("entry")("encrypt", "--help")
    assert helped.returncode == 0
    assert helped.stdout == console("click")("encrypt", "--help").stdout
    assert b"-R, --recipients-file FILE" in helped.stdout
    wrong = console("entry")("encrypt", "-a")
    assert wrong.returncode == 2
    assert b"missing recipients" in wrong.stderr
