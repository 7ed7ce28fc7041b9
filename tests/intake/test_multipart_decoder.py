"""intake/multipart_decoder.py decodes every body as Werkzeug's own decoder does.

The delimiter searches replace Werkzeug's per-boundary patterns: on any bytes,
cut anywhere, the events (and the refusals) must be the same as Werkzeug's.
"""

from __future__ import annotations

import hashlib
import inspect
import re
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.sansio.multipart import Epilogue, MultipartDecoder, NeedData

from intake.multipart_decoder import (
    MAX_DELIMITER_PADDING,
    MAX_FALSE_MARKERS,
    BoundaryDecoder,
    DelimiterSearch,
)
from tests.fuzzing import fuzz

BOUNDARY = b"----WebKitFormBoundaryQ3dx7yZtR0pLm2Kc"
MAX_PARTS = 20


def _events(
    decoder_class: type[MultipartDecoder], body: bytes, cuts: list[int],
    boundary: bytes = BOUNDARY, *, kept: list[MultipartDecoder] | None = None,
) -> list[str]:  # fmt: skip
    """What a decoder makes of `body` fed in pieces cut at `cuts`: its events, or its refusal."""
    decoder = decoder_class(boundary, 1 << 20, max_parts=MAX_PARTS)
    if kept is not None:
        kept.append(decoder)
    edges = [0, *sorted({cut for cut in cuts if 0 < cut < len(body)}), len(body)]
    seen: list[str] = []
    try:
        for start, end in pairwise(edges):
            decoder.receive_data(body[start:end])
            seen.extend(_drain(decoder))
        decoder.receive_data(None)
        seen.extend(_drain(decoder))
    except Exception as refusal:  # the refusal itself is compared
        seen.append(f"refused: {type(refusal).__name__}: {refusal}")
    return seen


def _drain(decoder: MultipartDecoder) -> list[str]:
    drained = []
    event = decoder.next_event()
    while not isinstance(event, NeedData):
        drained.append(repr(event))
        if isinstance(event, Epilogue):
            break
        event = decoder.next_event()
    return drained


def _same_as_werkzeug(body: bytes, cuts: list[int]) -> None:
    assert _events(BoundaryDecoder, body, cuts) == _events(MultipartDecoder, body, cuts)


def _part(line_break: bytes, data: bytes, *, padding: bytes = b"") -> bytes:
    return (
        b"--" + BOUNDARY + padding + line_break
        + b'Content-Disposition: form-data; name="f"' + line_break + line_break
        + data + line_break
    )  # fmt: skip


EDGE_BODIES = {
    "browser": _part(b"\r\n", b"value") + _part(b"\r\n", b"x" * 5000)
    + b"--" + BOUNDARY + b"--\r\n",
    "LF only": _part(b"\n", b"a\nb") + b"--" + BOUNDARY + b"--\n",
    "CR only": _part(b"\r", b"a\rb") + b"--" + BOUNDARY + b"--\r",
    "preamble": b"preamble text\r\n" + _part(b"\r\n", b"v") + b"--" + BOUNDARY + b"--",
    "preamble without a line break": b"xx" + _part(b"\r\n", b"v") + b"--" + BOUNDARY + b"--",
    "padding": _part(b"\r\n", b"v", padding=b" \t ") + b"--" + BOUNDARY + b"-- \t\r\nepilogue",
    "empty form": b"--" + BOUNDARY + b"--\r\n",
    "the marker inside data": _part(b"\r\n", b"a--" + BOUNDARY + b"b\r\n--" + BOUNDARY + b"x")
    + b"--" + BOUNDARY + b"--\r\n",
    "the marker inside data, its line ended": _part(b"\r\n", b"a--" + BOUNDARY + b"\r\nb")
    + b"--" + BOUNDARY + b"--\r\n",
    "two CRs before a delimiter": _part(b"\r\n", b"a\r") + b"\r--" + BOUNDARY + b"--\r\n",
    "LF CR before a delimiter": _part(b"\r\n", b"a\n") + b"\r--" + BOUNDARY + b"--\r\n",
    "no closing delimiter": _part(b"\r\n", b"value"),
    "a part without headers": b"--" + BOUNDARY + b"\r\n\r\nvalue\r\n--" + BOUNDARY + b"--\r\n",
    "too many parts": b"".join(_part(b"\r\n", b"v") for _ in range(MAX_PARTS + 1)),
}


@pytest.mark.parametrize("name", sorted(EDGE_BODIES))
def test_an_edge_case_body_cut_anywhere_decodes_as_werkzeug_decodes_it(name: str) -> None:
    body = EDGE_BODIES[name]
    _same_as_werkzeug(body, [])
    for cut in range(1, min(len(body), 400)):
        _same_as_werkzeug(body, [cut])


# Bytes near a delimiter: line breaks, dashes, padding and pieces of the boundary.
_pieces = st.sampled_from(
    [b"\r", b"\n", b"\r\n", b"-", b"--", b" ", b"\t", b"x", b"--" + BOUNDARY, BOUNDARY[:9],
     BOUNDARY[9:], b'Content-Disposition: form-data; name="a"', b'; filename="f"']
)  # fmt: skip


@fuzz(cost=2)
@given(
    body=st.lists(_pieces, max_size=60).map(b"".join),
    cuts=st.lists(st.integers(min_value=1, max_value=3000), max_size=8),
)
def test_any_bytes_cut_anywhere_decode_as_werkzeug_decodes_them(
    body: bytes, cuts: list[int]
) -> None:
    _same_as_werkzeug(body, cuts)


def _short_boundary_pieces(boundary: bytes) -> st.SearchStrategy[bytes]:
    return st.sampled_from([b"\r", b"\n", b"\r\n", b"-", b"--", b" ", b"x", b"--" + boundary,
                            boundary[:1], b'Content-Disposition: form-data; name="a"'])  # fmt: skip


@fuzz(cost=2)
@given(
    case=st.sampled_from([b"a", b"--", b"xy"]).flatmap(
        lambda boundary: st.tuples(
            st.just(boundary),
            st.lists(_short_boundary_pieces(boundary), max_size=60).map(b"".join),
        )
    ),
    cuts=st.lists(st.integers(min_value=1, max_value=600), max_size=8),
)
def test_bodies_with_a_short_boundary_decode_as_werkzeug_decodes_them(
    case: tuple[bytes, bytes], cuts: list[int]
) -> None:
    # Short boundaries put a partial delimiter near every buffer's end.
    boundary, body = case
    assert _events(BoundaryDecoder, body, cuts, boundary) == _events(
        MultipartDecoder, body, cuts, boundary
    )


def test_no_pattern_is_compiled_for_a_body_s_boundary(monkeypatch: pytest.MonkeyPatch) -> None:
    # Browsers draw a new boundary for every form: a pattern made of it is compiled anew
    # for every body (half a millisecond of CPU each), never found in Python's cache.
    compiled: list[object] = []
    real_compile = re.compile

    def compile_and_record(pattern: object, flags: int = 0) -> object:
        compiled.append(pattern)
        return real_compile(pattern, flags)  # type: ignore[call-overload]

    monkeypatch.setattr(re, "compile", compile_and_record)
    BoundaryDecoder(BOUNDARY, 1 << 20, max_parts=MAX_PARTS)
    # Its dashes are escaped in a pattern: the rest of it is not.
    assert not [p for p in compiled if BOUNDARY.lstrip(b"-") in bytes(p)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("boundary", "filler"),
    # Each filler holds a `--boundary` that does not delimit: no line break before it,
    # or none of what must follow it on a delimiter line.
    [(b"-", b"X---"), (b"a", b"--aX"), (b"a", b"\n--aX"), (b"a", b"\r--aX")],
)
@pytest.mark.parametrize("where", ["preamble", "field"])
def test_a_body_full_of_false_markers_is_searched_by_werkzeug_s_pattern(
    boundary: bytes, filler: bytes, where: str
) -> None:
    """A sender may choose a one-character boundary and fill a body with it: each false
    `--boundary` would cost Python steps, a byte at a time. Past MAX_FALSE_MARKERS the
    search is Werkzeug's own compiled pattern, and the body decodes as Werkzeug does."""
    noise = filler * 20_000
    head = b'Content-Disposition: form-data; name="f"\r\n\r\n'
    delimiter = b"--" + boundary
    if where == "preamble":
        body = noise + b"\r\n" + delimiter + b"\r\n" + head + b"it\r\n" + delimiter + b"--\r\n"
    else:
        body = delimiter + b"\r\n" + head + noise + b"\r\n" + delimiter + b"--\r\n"
    cuts = list(range(0, len(body), 1 << 14))
    kept: list[MultipartDecoder] = []
    assert _events(BoundaryDecoder, body, cuts, boundary, kept=kept) == _events(
        MultipartDecoder, body, cuts, boundary)  # fmt: skip
    searches = [kept[0].preamble_re, kept[0].boundary_re]
    assert all(isinstance(search, DelimiterSearch) for search in searches)
    for search in searches:
        assert isinstance(search, DelimiterSearch)
        assert search.false_markers <= MAX_FALSE_MARKERS + 1
    assert any(search.uses_pattern for search in searches if isinstance(search, DelimiterSearch))


@pytest.mark.parametrize("closing", [b"", b"--"])
@pytest.mark.parametrize("where", ["preamble", "field"])
@pytest.mark.parametrize("false_markers", [0, MAX_FALSE_MARKERS + 1])
def test_a_delimiter_padded_past_the_bound_is_refused_where_werkzeug_takes_it(
    closing: bytes, where: str, false_markers: int
) -> None:
    """Padding past MAX_DELIMITER_PADDING is refused wherever the body is cut outside the
    padded line (the receiver holds a delimiter line back until it has ended or passed
    the bound), whether the search is the find loop or, past MAX_FALSE_MARKERS false
    markers, Werkzeug's pattern: the same refusal."""
    head = b'Content-Disposition: form-data; name="f"\r\n\r\n'
    noise = b"\r\n--" + BOUNDARY + b"X" * 2
    padded = b"--" + BOUNDARY + closing + b" " * (MAX_DELIMITER_PADDING + 1)
    before = noise * false_markers
    if where == "field":
        before = b"--" + BOUNDARY + b"\r\n" + head + before
    body = before + b"\r\n" + padded + b"\r\n" + head + b"it\r\n--" + BOUNDARY + b"--\r\n"
    assert not _events(MultipartDecoder, body, [])[-1].startswith("refused")
    line = body.index(b"\r\n" + padded)
    outside = [cut for cut in range(1, len(body)) if not line < cut < line + 2 + len(padded)]
    for cut in outside:
        assert _events(BoundaryDecoder, body, [cut])[-1] == (
            f"refused: ValueError: more than {MAX_DELIMITER_PADDING} bytes of padding after a"
            " delimiter"
        ), cut
    within = body.replace(b" " * (MAX_DELIMITER_PADDING + 1), b" " * MAX_DELIMITER_PADDING)
    _same_as_werkzeug(within, [])


# BoundaryDecoder._parse_data reimplements these as Werkzeug 3.1.9 has them. A
# release that changes them (a fix, say) would be shadowed by it without a word.
WERKZEUG_METHODS_REIMPLEMENTED = {
    "_parse_data": "14586eb82e44a95a4fd135b76729fc2051fd3a4acac75d3ea91ffe750f945319",
    "_last_partial_boundary_index":
        "ae6a7bc17ef0ba162ede5fee179308f116b92afec89caf3deb3b944b837edb28",
}


@pytest.mark.parametrize("name", sorted(WERKZEUG_METHODS_REIMPLEMENTED))
def test_the_werkzeug_methods_reimplemented_are_those_it_was_written_from(name: str) -> None:
    source = inspect.getsource(getattr(MultipartDecoder, name))
    assert hashlib.sha256(source.encode()).hexdigest() == WERKZEUG_METHODS_REIMPLEMENTED[name], (
        f"Werkzeug's MultipartDecoder.{name} changed: bring BoundaryDecoder._parse_data "
        "(intake/multipart_decoder.py) in line with it, then record its new digest here"
    )
