"""deploy/: the torrc and the systemd unit, checked by the stock tools that will read them."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import keys
from tests.intake import multipart
from tests.intake.datadir import prepare_data_dir
from tests.intake.served import Reporter
from tests.servers import free_port, serving
from tests.support import WAIT_SECONDS, require, require_program

ROOT = Path(__file__).resolve().parent.parent
TORRC = ROOT / "deploy" / "tor" / "torrc"
UNIT = ROOT / "deploy" / "systemd" / "haven-intake.service"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
# prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN): the kernel's own form of systemd's
# MemoryDenyWriteExecute (Linux 6.3+), inherited across fork and kept across execve.
_MDWE_LAUNCHER = (
    "import ctypes, os, sys\n"
    "if ctypes.CDLL(None, use_errno=True).prctl(65, 1, 0, 0, 0) != 0:\n"
    "    sys.exit('PR_SET_MDWE refused: ' + os.strerror(ctypes.get_errno()))\n"
    "os.execv(sys.argv[1], sys.argv[1:])\n"
)
_TRY_WRITABLE_EXECUTABLE = (
    "import mmap\n"
    "try:\n"
    "    mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)\n"
    "except PermissionError:\n"
    "    print('refused')\n"
    "else:\n"
    "    print('allowed')\n"
)


def _directives(text: str) -> list[tuple[str, str]]:
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition(" ")
            pairs.append((key, value.strip()))
    return pairs


def _unit_values(text: str, key: str) -> list[str]:
    return [line.split("=", 1)[1] for line in text.splitlines() if line.startswith(f"{key}=")]


def _torrc_for_test(tmp_path: Path, text: str) -> Path:
    # tor insists that its directories be private and writable: temporary ones
    # stand in for /var/lib/tor, everything else is the shipped file.
    tmp_path.mkdir()
    data = tmp_path / "tor-data"
    data.mkdir(mode=0o700)
    text = text.replace("DataDirectory /var/lib/tor\n", f"DataDirectory {data}\n")
    text = text.replace("/var/lib/tor/haven-intake/", f"{data}/haven-intake/")
    assert "/var/lib/tor" not in text
    path = tmp_path / "torrc"
    path.write_text(text)
    return path


def _verify_torrc(tor: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tor, "--verify-config", "-f", path, "--defaults-torrc", os.devnull],
                          capture_output=True, text=True, timeout=WAIT_SECONDS, check=False)


def test_tor_accepts_the_torrc(tmp_path: Path) -> None:
    tor = require_program("tor", "apt-get install tor")
    shipped = TORRC.read_text()
    checked = _verify_torrc(tor, _torrc_for_test(tmp_path / "good", shipped))
    assert checked.returncode == 0 and "Configuration was valid" in checked.stdout, checked
    # The same check refuses a broken copy, so the pass above means something.
    broken = shipped.replace("HiddenServiceVersion 3", "HiddenServiceVersion 2")
    assert _verify_torrc(tor, _torrc_for_test(tmp_path / "bad", broken)).returncode != 0


def test_the_onion_service_reaches_only_intake_on_loopback() -> None:
    directives = _directives(TORRC.read_text())
    assert ("HiddenServiceVersion", "3") in directives
    assert ("SocksPort", "0") in directives  # no client proxy for anyone
    ports = [value for key, value in directives if key == "HiddenServicePort"]
    assert ports == ["80 127.0.0.1:8080"]
    # The unit serves exactly where Tor forwards, on loopback, with plain HTTP
    # allowed only because of that.
    (exec_start,) = _unit_values(UNIT.read_text(), "ExecStart")
    argv = shlex.split(exec_start)
    assert argv[1:3] == ["intake", "serve"]
    assert argv[argv.index("--host") + 1] == "127.0.0.1"
    assert argv[argv.index("--port") + 1] == "8080"
    assert "--plain-http" in argv


def _unit_for_test(tmp_path: Path, text: str) -> Path:
    # verify insists that ExecStart's program exist: point it at this venv's haven.
    haven = Path(sys.executable).parent / "haven"
    assert haven.is_file(), "the editable install provides the haven script"
    path = tmp_path / UNIT.name
    path.write_text(text.replace("/opt/haven/venv/bin/haven", str(haven)))
    return path


def test_systemd_verifies_the_unit_without_a_word(tmp_path: Path) -> None:
    analyze = require_program("systemd-analyze", "apt-get install systemd")
    text = UNIT.read_text()

    def verify(directory: Path, content: str) -> subprocess.CompletedProcess[str]:
        directory.mkdir()
        return subprocess.run([analyze, "verify", _unit_for_test(directory, content)],
                              capture_output=True, text=True, timeout=WAIT_SECONDS, check=False)

    checked = verify(tmp_path / "good", text)
    # verify exits 0 on unknown or misspelt settings and only warns, so any
    # output at all is a failure.
    assert checked.returncode == 0 and not (checked.stdout + checked.stderr).strip(), checked
    misspelt = verify(tmp_path / "bad", text.replace("ProtectHome=yes", "ProtectHomes=yes"))
    assert "Unknown key" in misspelt.stdout + misspelt.stderr


def test_the_exposure_figure_in_the_guide_is_what_systemd_measures(tmp_path: Path) -> None:
    analyze = require_program("systemd-analyze", "apt-get install systemd")
    checked = subprocess.run(
        [analyze, "security", "--offline=yes", _unit_for_test(tmp_path, UNIT.read_text())],
        capture_output=True, text=True, timeout=WAIT_SECONDS, check=False,
    )
    measured = re.search(r"Overall exposure level for \S+: ([0-9.]+)", checked.stdout)
    assert measured, checked
    documented = re.search(r"exposure level ([0-9.]+)", DEPLOY_DOC.read_text())
    assert documented, "docs/deploy.md quotes the exposure figure"
    assert float(measured.group(1)) <= float(documented.group(1))


def test_intake_serves_a_report_without_writable_executable_memory(tmp_path: Path) -> None:
    probe = subprocess.run(
        [sys.executable, "-c", _MDWE_LAUNCHER, sys.executable, "-c", _TRY_WRITABLE_EXECUTABLE],
        capture_output=True, text=True, timeout=WAIT_SECONDS, check=False,
    )
    require(probe.returncode == 0, f"the kernel lacks PR_SET_MDWE (Linux 6.3+): {probe.stderr}")
    # The launcher really takes the mapping away, so the serve below means something.
    assert probe.stdout.strip() == "refused"

    recipient = str(keys.HybridIdentity.generate().recipient())
    data_dir = prepare_data_dir(tmp_path / "data", [recipient])
    port = free_port()
    command = [sys.executable, "-c", _MDWE_LAUNCHER, sys.executable, "-c",
               "from haven.cli import main; main()", "intake", "serve", "--data-dir",
               str(data_dir), "--port", str(port), "--plain-http", "--workers", "1"]
    with serving("intake", command, port=port, log=tmp_path / "server.log"):
        reporter = Reporter(port)
        status, page = reporter.submit(multipart.body([
            multipart.field("csrf_token", reporter.token),
            multipart.field("narrative", "served without writable executable memory"),
            multipart.file_part(b"photo.jpg", b"\xff\xd8" + os.urandom(4096)),
        ]))
    # A hybrid post-quantum encryption, an Argon2id receipt derivation and a
    # SQLite commit all ran in a gunicorn worker under the restriction.
    assert status == 200 and "receipt-code" in page, page


def test_the_units_memory_is_kept_out_of_swap() -> None:
    """Plaintext is in intake's memory while a request encrypts it; swap would put it on
    disk. The line is checked by systemd above; here, that it is there and says none."""
    settings = [line.strip() for line in UNIT.read_text().splitlines()]
    assert "MemorySwapMax=0" in settings
