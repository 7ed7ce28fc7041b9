"""What every kind of recipient and identity offers the file format."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from keys.header import Stanza


@runtime_checkable
class Recipient(Protocol):
    """Something a file key can be wrapped to."""

    #: True for hybrid post-quantum recipients; mixing kinds is refused.
    post_quantum: bool
    #: True where the stanza must be the only one in the header (scrypt).
    exclusive: bool

    def wrap(self, file_key: bytes) -> Stanza: ...


@runtime_checkable
class Identity(Protocol):
    """Something that may unwrap a file key from a header's stanzas."""

    def recipient(self) -> Recipient:
        """What to encrypt to so that this identity opens the file."""
        ...

    def unwrap(self, stanzas: Sequence[Stanza]) -> bytes | None:
        """The file key, None if no stanza is for this identity; HeaderError if one of
        this identity's own stanzas is malformed."""
        ...
