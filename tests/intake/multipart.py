"""Hand-built multipart bodies, for part orders and file names a browser would not send."""

from __future__ import annotations

from collections.abc import Iterable

BOUNDARY = "haventestboundary7MA4YWxkTrZu0gW"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def field(name: str, value: str) -> bytes:
    """One text part."""
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + value.encode("utf-8")
        + b"\r\n"
    )


def file_part(
    filename: bytes, data: bytes, content_type: str = "application/octet-stream"
) -> bytes:
    """One attachment part; `filename` is raw bytes so it can be hostile."""
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="attachments"; filename="'.encode()
        + filename
        + f'"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
        + data
        + b"\r\n"
    )


def body(parts: Iterable[bytes]) -> bytes:
    """The parts followed by the closing boundary."""
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()
