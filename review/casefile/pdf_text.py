r"""PDF text strings and dates as a person reads them (ISO 32000-1, 7.3.4, 7.9.2, 7.9.4).

A PDF's Info dictionary holds "text strings": a literal `(...)` with
backslash escapes (`\(`, `\)`, `\\`, `\n`, `\ddd` in octal, a backslash at a
line's end continuing it) or a hexadecimal `<...>`, whose bytes are UTF-16BE
when they begin with the byte order mark FE FF, UTF-8 after EF BB BF (PDF 2.0),
and PDFDocEncoding otherwise. Dates are `D:YYYYMMDDHHmmSSOHH'mm'`, every part
after the year optional. Shown raw, "Mozilla/5.0 \(X11; …\)" and
"D:20261201190839+00'00'" make a reviewer decode by eye; undecodable input
keeps what could be read, never raises.
"""

from __future__ import annotations

import re

_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b",
            ord("f"): b"\f", ord("("): b"(", ord(")"): b")", ord("\\"): b"\\"}
_OCTAL = frozenset(b"01234567")

# PDFDocEncoding (ISO 32000-1, Annex D.2) is Latin-1 but for these bytes; the
# ones it leaves undefined (0x7F, 0x9F, 0xAD) read as U+FFFD.
_PDFDOC_DIFFERENCES = {
    0x18: "\u02d8", 0x19: "\u02c7", 0x1A: "\u02c6", 0x1B: "\u02d9", 0x1C: "\u02dd",
    0x1D: "\u02db", 0x1E: "\u02da", 0x1F: "\u02dc", 0x7F: "\ufffd",
    0x80: "\u2022", 0x81: "\u2020", 0x82: "\u2021", 0x83: "\u2026", 0x84: "\u2014",
    0x85: "\u2013", 0x86: "\u0192", 0x87: "\u2044", 0x88: "\u2039", 0x89: "\u203a",
    0x8A: "\u2212", 0x8B: "\u2030", 0x8C: "\u201e", 0x8D: "\u201c", 0x8E: "\u201d",
    0x8F: "\u2018", 0x90: "\u2019", 0x91: "\u201a", 0x92: "\u2122", 0x93: "\ufb01",
    0x94: "\ufb02", 0x95: "\u0141", 0x96: "\u0152", 0x97: "\u0160", 0x98: "\u0178",
    0x99: "\u017d", 0x9A: "\u0131", 0x9B: "\u0142", 0x9C: "\u0153", 0x9D: "\u0161",
    0x9E: "\u017e", 0x9F: "\ufffd", 0xA0: "\u20ac", 0xAD: "\ufffd",
}
_PDFDOC = "".join(_PDFDOC_DIFFERENCES.get(byte, chr(byte)) for byte in range(256))

_DATE = re.compile(
    r"(?:D:)?(?P<year>\d{4})(?P<month>\d{2})?(?P<day>\d{2})?(?P<hour>\d{2})?"
    r"(?P<minute>\d{2})?(?P<second>\d{2})?"
    r"(?:(?P<utc>Z)(?:00'?(?:00'?)?)?|(?P<sign>[+-])(?P<tzh>\d{2})(?:'?(?P<tzm>\d{2})'?)?)?")


def unescape_literal(raw: bytes) -> bytes:
    """The bytes of a literal string's body (between its outer parentheses)."""
    out = bytearray()
    position = 0
    while position < len(raw):
        byte = raw[position]
        position += 1
        if byte != 0x5C:  # not a backslash
            out.append(byte)
            continue
        if position == len(raw):
            break  # a lone backslash at the end: nothing follows to escape
        escaped = raw[position]
        if escaped in _OCTAL:
            digits = 1
            while digits < 3 and position + digits < len(raw) and raw[position + digits] in _OCTAL:
                digits += 1
            out.append(int(raw[position:position + digits], 8) & 0xFF)
            position += digits
        elif escaped in (0x0D, 0x0A):  # a line continuation: no character at all
            position += 2 if raw[position:position + 2] == b"\r\n" else 1
        else:
            # Unknown escapes are the character itself (7.3.4.2).
            out += _ESCAPES.get(escaped, bytes([escaped]))
            position += 1
    return bytes(out)


def unhex(raw: bytes) -> bytes:
    """The bytes of a hexadecimal string's body; an odd last digit is followed by 0."""
    digits = bytes(byte for byte in raw if chr(byte) in "0123456789abcdefABCDEF")
    if len(digits) % 2:
        digits += b"0"
    return bytes.fromhex(digits.decode("ascii"))


def decode_text_string(data: bytes) -> str:
    """A text string's bytes as text: UTF-16BE or UTF-8 by their mark, else PDFDocEncoding."""
    if data.startswith(b"\xfe\xff"):
        return data[2:].decode("utf-16-be", "replace")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace")
    return "".join(_PDFDOC[byte] for byte in data)


def readable_date(text: str) -> str:
    """`D:20261201190839+00'00'` as `2026-12-01 19:08:39 +00:00`; anything else unchanged."""
    match = _DATE.fullmatch(text.strip())
    if match is None:
        return text
    parts = match.groupdict()
    shown = parts["year"]
    for name, separator in (("month", "-"), ("day", "-")):
        if parts[name] is None:
            return shown
        shown += separator + parts[name]
    if parts["hour"] is None:
        return shown
    shown += " " + parts["hour"] + ":" + (parts["minute"] or "00")
    if parts["second"] is not None:
        shown += ":" + parts["second"]
    if parts["utc"]:
        shown += " +00:00"
    elif parts["sign"]:
        shown += f" {parts['sign']}{parts['tzh']}:{parts['tzm'] or '00'}"
    return shown
