"""`haven review courier`: fetch a pickup bundle from intake, or upload a reply bundle, over HTTP.

For the online transfer machine of NGOs that cannot give reviewers a shell on
the intake server. It speaks the contract in contracts/courier.py and checks
nothing of the bundles itself: `haven review import` verifies a pickup bundle
against the pinned intake key on the offline machine, and intake verifies a
reply bundle against its trusted reviewer keys. So this machine, compromised,
can delay or withhold bundles but neither read nor forge them.

Plain urllib: no client library to trust beyond the standard one. Redirects
are refused, so the credential never goes to any URL but the one given. For an
onion URL, run the command under `torsocks` (docs/deploy.md).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NoReturn

import pyotp

from contracts import courier as contract
from review.errors import CourierError

READ_SIZE = 1 << 20
TIMEOUT_SECONDS = 120.0
# Intake's refusals are short JSON; more than this is not one.
MAX_ANSWER_BYTES = 64 * 1024
MAX_SECRET_FILE_BYTES = 4096

Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class CourierLogin:
    """What authenticates one request: the credential and a TOTP code not used before."""

    credential: str
    code: str

    def headers(self) -> dict[str, str]:
        return {contract.CREDENTIAL_HEADER: self.credential, contract.TOTP_HEADER: self.code}


@dataclass(frozen=True)
class Uploaded:
    """What intake answered to an uploaded reply bundle."""

    bundle_id: str
    replies: int
    already_loaded: bool


def read_credential(path: Path) -> str:
    """The credential (`NAME:TOKEN`) that `haven intake courier add` printed, from `path`."""
    text = _small_file(path, "credential")
    name, separator, token = text.rpartition(":")
    if (
        not separator
        or contract.NAME.fullmatch(name) is None
        or contract.TOKEN.fullmatch(token) is None
    ):
        raise CourierError(f"{path} does not hold a courier credential (NAME:TOKEN)")
    return text


def code_from_secret_file(path: Path, *, now: Callable[[], float] = time.time) -> str:
    """The current TOTP code of the secret in `path` (the otpauth:// URI, or its base32 secret)."""
    text = _small_file(path, "TOTP secret")
    try:
        totp = pyotp.parse_uri(text) if text.startswith("otpauth://") else pyotp.TOTP(text)
        if not isinstance(totp, pyotp.TOTP):
            raise ValueError("not a TOTP URI")
        if totp.digits != contract.TOTP_DIGITS or totp.interval != contract.TOTP_STEP_SECONDS:
            raise ValueError("not intake's TOTP parameters")
        return totp.at(int(now()))
    except (ValueError, TypeError) as error:
        raise CourierError(f"{path} does not hold a TOTP secret intake issued: {error}") from None


def fetch_bundle(
    url: str,
    login: CourierLogin,
    out: Path,
    *,
    again: Sequence[str] = (),
    progress: Progress | None = None,
) -> bool:
    """Download a pickup bundle to `out`; False (and nothing written) if intake had nothing new.

    Written beside `out` under a temporary name and linked into place once whole
    and synced: `out` appears complete or not at all, and an existing file is
    never replaced.
    """
    if out.exists() or out.is_symlink():
        raise CourierError(f"{out} already exists")
    query = urllib.parse.urlencode([(contract.AGAIN_PARAMETER, i) for i in again])
    target = _endpoint(url, contract.PICKUP_PATH) + (f"?{query}" if query else "")
    # S310: _endpoint admits http and https only.
    request = urllib.request.Request(target, headers=login.headers(), method="GET")  # noqa: S310
    with _open(request) as answer:
        if answer.status == contract.NOTHING_NEW:
            return False
        if answer.status != 200:
            raise CourierError(f"intake answered {answer.status}, not a bundle")
        declared = answer.headers.get("Content-Length")
        total = int(declared) if declared and declared.isdigit() else None
        _write_new_file(out, answer, total=total, progress=progress)
    return True


def upload_replies(url: str, login: CourierLogin, bundle: Path) -> Uploaded:
    """Send the reply bundle at `bundle`; intake loads it whole or refuses it whole."""
    try:
        stream = bundle.open("rb")
    except OSError as error:
        raise CourierError(f"cannot read {bundle}: {error.strerror}") from None
    with stream:
        size = os.fstat(stream.fileno()).st_size
        headers = {
            **login.headers(),
            "Content-Type": contract.BUNDLE_TYPE,
            "Content-Length": str(size),
        }
        request = urllib.request.Request(  # noqa: S310 - _endpoint admits http(s) only
            _endpoint(url, contract.REPLIES_PATH), data=stream, headers=headers, method="POST"
        )
        with _open(request) as answer:
            body = _json(answer.read(MAX_ANSWER_BYTES + 1))
    try:
        return Uploaded(
            bundle_id=str(body["bundle_id"]),
            replies=int(body["replies"]),
            already_loaded=bool(body["already_loaded"]),
        )
    except (KeyError, TypeError, ValueError):
        raise CourierError("intake's answer to the upload is not the one expected") from None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # The credential and code must go to the URL the reviewer gave, and nowhere else.
    def redirect_request(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise CourierError("intake answered with a redirect; refusing to follow it")


_OPENER = urllib.request.build_opener(_NoRedirects)


def _open(request: urllib.request.Request) -> Any:
    try:
        return _OPENER.open(request, timeout=TIMEOUT_SECONDS)
    except urllib.error.HTTPError as error:
        with error:
            reason = _json(error.read(MAX_ANSWER_BYTES + 1)).get("error")
        detail = f": {reason}" if isinstance(reason, str) else ""
        raise CourierError(f"intake refused ({error.code}){detail}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise CourierError(f"cannot reach {request.full_url}: {reason}") from None


def _endpoint(url: str, path: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CourierError(f"--url {url!r}: give intake's http:// or https:// address")
    if parts.query or parts.fragment:
        raise CourierError(f"--url {url!r}: give the address without a query or fragment")
    return urllib.parse.urlunsplit(
        (parts.scheme, parts.netloc, parts.path.rstrip("/") + path, "", "")
    )


def _json(raw: bytes) -> dict[str, Any]:
    if len(raw) > MAX_ANSWER_BYTES:
        return {}
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _write_new_file(out: Path, source: IO[bytes], *, total: int | None, progress: Progress | None
                    ) -> None:
    try:
        fd, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    except OSError as error:
        raise CourierError(f"cannot write in {out.parent}: {error.strerror}") from None
    temporary = Path(name)
    try:
        received = 0
        with os.fdopen(fd, "wb") as handle:
            while data := source.read(READ_SIZE):
                handle.write(data)
                received += len(data)
                if progress is not None:
                    progress(len(data), total)
            if total is not None and received != total:
                raise CourierError(
                    f"the download ended after {received} of {total} bytes; nothing written"
                )
            handle.flush()
            os.fsync(handle.fileno())
        # A link, not a rename: a file that appeared at `out` meanwhile is never replaced.
        os.link(temporary, out)
        _fsync_directory(out.parent)
    except FileExistsError:
        raise CourierError(f"{out} already exists") from None
    except OSError as error:
        raise CourierError(f"cannot write {out}: {error.strerror}") from None
    finally:
        temporary.unlink(missing_ok=True)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _small_file(path: Path, what: str) -> str:
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_SECRET_FILE_BYTES + 1)
    except OSError as error:
        raise CourierError(f"cannot read the {what} file {path}: {error.strerror}") from None
    if len(raw) > MAX_SECRET_FILE_BYTES:
        raise CourierError(f"{path} is too large to be a {what} file")
    try:
        return raw.decode("ascii").strip()
    except UnicodeDecodeError:
        raise CourierError(f"{path} is not a {what} file") from None
