"""PDF metadata as a person reads it: text strings decoded, dates spelled out."""

from __future__ import annotations

import pytest

from review.casefile.attachment_metadata import inspect
from review.casefile.pdf_text import decode_text_string, readable_date, unescape_literal, unhex


@pytest.mark.parametrize(("raw", "expected"), [
    (rb"Mozilla/5.0 \(X11; Linux x86_64\)", b"Mozilla/5.0 (X11; Linux x86_64)"),
    (rb"a\\b", b"a\\b"),
    (rb"tab\there\nnew\r\b\f", b"tab\there\nnew\r\b\f"),
    (rb"\101\102C", b"ABC"),  # octal, up to three digits
    (rb"\0053", b"\x053"),  # three digits at most: the fourth is a character
    (rb"\7", b"\x07"),
    (b"one \\\ntwo \\\r\nthree", b"one two three"),  # line continuations
    (rb"\q", b"q"),  # an unknown escape is the character itself
    (b"end\\", b"end"),
    (rb"\376\377\000L", b"\xfe\xff\x00L"),
])
def test_literal_escapes(raw: bytes, expected: bytes) -> None:
    assert unescape_literal(raw) == expected


def test_hex_strings() -> None:
    assert unhex(b"FEFF 004C\n0069") == b"\xfe\xff\x00\x4c\x00\x69"
    assert unhex(b"901fa") == b"\x90\x1f\xa0"  # an odd last digit is followed by 0


@pytest.mark.parametrize(("data", "expected"), [
    (b"\xfe\xff\x00L\x00i\x66\x0e", "Li明"),
    (b"\xef\xbb\xbf\xe6\x98\x8e", "明"),
    (b"\x93le \x84 \x80 caf\xe9 \xa0", "ﬁle — • café €"),
    (b"\x9f\xad", "\ufffd\ufffd"),
    (b"\xfe\xff\xd8", "\ufffd"),  # a torn UTF-16 unit reads as a replacement, never raises
])
def test_text_string_encodings(data: bytes, expected: str) -> None:
    assert decode_text_string(data) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("D:20261201190839+00'00'", "2026-12-01 19:08:39 +00:00"),
    ("D:20261201190839+05'30", "2026-12-01 19:08:39 +05:30"),
    ("D:20261201190839-08'00'", "2026-12-01 19:08:39 -08:00"),
    ("D:20261201190839Z", "2026-12-01 19:08:39 +00:00"),
    ("D:20261201190839Z00'00'", "2026-12-01 19:08:39 +00:00"),
    ("D:202612011908", "2026-12-01 19:08"),
    ("D:20261201", "2026-12-01"),
    ("D:2026", "2026"),
    ("20261201190839", "2026-12-01 19:08:39"),
    ("yesterday", "yesterday"),
    ("D:2026120", "D:2026120"),
])
def test_dates(raw: str, expected: str) -> None:
    assert readable_date(raw) == expected


def test_a_pdfs_metadata_reads_as_written() -> None:
    pdf = (b"%PDF-1.7\n1 0 obj << /Author <FEFF004C00690020660E> "
           b"/Creator (Mozilla/5.0 \\(X11; Linux x86_64\\) Firefox/133.0) "
           b"/Producer (Skia/PDF m120 (Chrome) \\251 2026) "
           b"/CreationDate (D:20261201190839+00'00') /ModDate <443A32303236313230315A> "
           b">> endobj\n%%EOF")
    assert inspect(pdf).fields == [
        ("Author", "Li 明"),
        ("Creator", "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"),
        ("Software", "Skia/PDF m120 (Chrome) © 2026"),
        ("Created", "2026-12-01 19:08:39 +00:00"),
        ("Modified", "2026-12-01"),
    ]


def test_a_dictionary_is_not_a_hex_string() -> None:
    assert inspect(b"%PDF-1.7\n/Author <</Type /X>> /Author (Li)").fields == [("Author", "Li")]
