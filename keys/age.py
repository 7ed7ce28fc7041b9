"""Encrypting and decrypting whole age v1 files, as streams or as bytes."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import BinaryIO

from keys.armor import DETECTION_PREFIX, ArmorReader, ArmorWriter, looks_armored
from keys.errors import (
    HeaderError,
    HeaderMACError,
    MixedRecipientsError,
    NoIdentityMatchError,
    RecipientError,
)
from keys.header import Header, encode_header, encode_header_without_mac, parse_header
from keys.primitives import (
    FILE_KEY_SIZE,
    PAYLOAD_NONCE_SIZE,
    header_mac,
    header_mac_verifies,
    payload_key,
    random_bytes,
)
from keys.recipient import Identity, Recipient
from keys.stream import (
    CHUNK_SIZE,
    StreamReader,
    StreamWriter,
    decrypt_payload,
    read_into,
    write_all,
)


def check_recipients(recipients: Iterable[Recipient]) -> list[Recipient]:
    """The recipients as a list, refusing combinations that would weaken the file."""
    chosen = list(recipients)
    if not chosen:
        raise RecipientError("no recipients")
    if any(r.exclusive for r in chosen) and len(chosen) > 1:
        raise RecipientError("a passphrase cannot be combined with other recipients")
    kinds = {r.post_quantum for r in chosen}
    if len(kinds) > 1:
        # The classic stanza would be the weakest link: whoever breaks X25519
        # later reads the file, post-quantum stanza or not.
        raise MixedRecipientsError(
            "refusing to mix post-quantum and classic recipients in one file"
        )
    return chosen


class AgeWriter(io.RawIOBase):
    """A writable age file: plaintext in, ciphertext to `dst`; close() completes it."""

    def __init__(self, dst: BinaryIO, *, recipients: Iterable[Recipient], armor: bool) -> None:
        super().__init__()
        chosen = check_recipients(recipients)
        file_key = random_bytes(FILE_KEY_SIZE)
        stanzas = [r.wrap(file_key) for r in chosen]
        mac = header_mac(file_key=file_key, header_without_mac=encode_header_without_mac(stanzas))
        self._armor = ArmorWriter(dst) if armor else None
        out: BinaryIO = self._armor if self._armor is not None else dst  # type: ignore[assignment]
        nonce = random_bytes(PAYLOAD_NONCE_SIZE)
        write_all(out, encode_header(stanzas, mac) + nonce)
        self._stream = StreamWriter(out, key=payload_key(file_key=file_key, nonce=nonce))

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        if self.closed:
            raise ValueError("write to a closed age file")
        return self._stream.write(data)

    def abort(self) -> None:
        """Stop without completing the file, which then fails to decrypt."""
        self._stream.abort()
        if self._armor is not None:
            self._armor.abort()
        super().close()

    def __del__(self) -> None:
        # Dropping an unclosed writer (an error path) must leave an invalid file,
        # never a valid one holding a prefix of the plaintext.
        if not self.closed and hasattr(self, "_stream"):
            self.abort()

    def close(self) -> None:
        if self.closed:
            return
        self._stream.close()
        if self._armor is not None:
            self._armor.close()
        super().close()


@contextmanager
def encrypting(
    dst: BinaryIO, *, recipients: Iterable[Recipient], armor: bool = False
) -> Iterator[AgeWriter]:
    """Write plaintext into the yielded writer; the file is completed on a clean exit only."""
    writer = AgeWriter(dst, recipients=recipients, armor=armor)
    try:
        yield writer
    except BaseException:
        writer.abort()
        raise
    writer.close()


def _unwrap_file_key(header: Header, identities: Sequence[Identity]) -> bytes:
    # Whatever the identities: a passphrase file that someone else could open
    # too is refused, not merely left unopened by the passphrase. (Imported
    # here: encryption, whose start-up is measured, never needs scrypt.)
    from keys.scrypt import scrypt_stanza

    scrypt_stanza(header.stanzas)
    for identity in identities:
        file_key = identity.unwrap(header.stanzas)
        if file_key is not None:
            return file_key
    raise NoIdentityMatchError("no identity matched any of the recipients")


class _Borrowed(io.RawIOBase):
    """Reads from a caller's stream without taking ownership: closing it leaves `src` open."""

    def __init__(self, src: BinaryIO) -> None:
        super().__init__()
        self._src = src

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._src.read(len(buffer))
        memoryview(buffer).cast("B")[: len(data)] = data
        return len(data)


def _peekable(src: BinaryIO) -> io.BufferedReader:
    if isinstance(src, io.BufferedReader):
        return src
    return io.BufferedReader(_Borrowed(src), buffer_size=CHUNK_SIZE)


def read_header(src: BinaryIO) -> tuple[io.BufferedReader, Header]:
    """Parse the header of the age file in `src`, binary or armored (recognised by itself).

    Also returns the reader to go on with, positioned at the payload nonce:
    through the armor when there is armor.
    """
    reader = _peekable(src)
    if looks_armored(reader.peek(DETECTION_PREFIX)[:DETECTION_PREFIX]):
        reader = io.BufferedReader(ArmorReader(reader), buffer_size=CHUNK_SIZE)
    return reader, parse_header(reader)


def open_decryptor(src: BinaryIO, *, identities: Iterable[Identity]) -> io.BufferedReader:
    """Verify the header of the age file in `src` and return a reader of its plaintext.

    Armored input is recognised by itself. The header and its MAC are checked
    here; payload chunks are checked as they are read, and a bad or truncated
    payload raises PayloadError from read(), so the caller must treat anything
    read before that error as unauthenticated.
    """
    reader, key = _open_payload(src, identities)
    stream = StreamReader(reader, key=key)
    return io.BufferedReader(stream, buffer_size=CHUNK_SIZE)


def _open_payload(src: BinaryIO, identities: Iterable[Identity]) -> tuple[io.BufferedReader, bytes]:
    """Verify the header; the reader positioned at the payload, and the payload key."""
    chosen = list(identities)
    if not chosen:
        raise NoIdentityMatchError("no identities given")
    reader, header = read_header(src)
    file_key = _unwrap_file_key(header, chosen)
    if not header_mac_verifies(
        file_key=file_key, header_without_mac=header.mac_input, mac=header.mac
    ):
        raise HeaderMACError("header MAC does not verify")
    nonce = reader.read(PAYLOAD_NONCE_SIZE)
    if len(nonce) != PAYLOAD_NONCE_SIZE:
        raise HeaderError("payload nonce is missing or short")
    return reader, payload_key(file_key=file_key, nonce=nonce)


@contextmanager
def decrypting(src: BinaryIO, *, identities: Iterable[Identity]) -> Iterator[io.BufferedReader]:
    """Context-managed open_decryptor()."""
    reader = open_decryptor(src, identities=identities)
    try:
        yield reader
    finally:
        reader.close()


# Reads of 1 MiB into one reused buffer: large enough that per-call overhead
# vanishes, small enough that memory stays bounded whatever the file size.
_READ_SIZE = 16 * CHUNK_SIZE


def encrypt_stream(
    src: BinaryIO, dst: BinaryIO, *, recipients: Iterable[Recipient], armor: bool = False
) -> None:
    """Encrypt everything read from `src` into `dst`, a chunk at a time."""
    buffer = bytearray(_READ_SIZE)
    view = memoryview(buffer)
    with encrypting(dst, recipients=recipients, armor=armor) as writer:
        while count := read_into(src, view):
            writer.write(view[:count])


def decrypt_stream(src: BinaryIO, dst: BinaryIO, *, identities: Iterable[Identity]) -> None:
    """Decrypt `src` into `dst`; on PayloadError `dst` holds unauthenticated data."""
    reader, key = _open_payload(src, identities)
    decrypt_payload(reader, dst, key=key)


def encrypt(plaintext: bytes, *, recipients: Iterable[Recipient], armor: bool = False) -> bytes:
    """Encrypt a small plaintext held in memory."""
    out = io.BytesIO()
    with encrypting(out, recipients=recipients, armor=armor) as writer:
        writer.write(plaintext)
    return out.getvalue()


def decrypt(ciphertext: bytes, *, identities: Iterable[Identity]) -> bytes:
    """Decrypt a whole file held in memory; returns only fully authenticated plaintext."""
    with decrypting(io.BytesIO(ciphertext), identities=identities) as reader:
        return reader.read()
