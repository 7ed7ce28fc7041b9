"""Werkzeug's multipart decoder, its delimiters found by bytes.find instead of two patterns.

MultipartDecoder compiles two patterns with the boundary inside them for
every body it decodes, and browsers draw a new random boundary for every
form they send, so Python's pattern cache never holds them: about half a
millisecond of CPU a body. Worse, a pattern that begins with a choice of line
breaks has no literal prefix for the regex engine to skip to: searching a
file's last buffer for its closing delimiter tried a match at every CR and LF
of the file's bytes, about 3 ms for 500 KiB of random data, where bytes.find
takes 0.06 ms. Both patterns are a literal `--boundary` between a line break
and the rest of the delimiter line; here the literal is found with bytes.find
and only the rest, the same for every body, is a pattern, compiled once.
Each buffer of a part's data is also copied once, not three times (see
BoundaryDecoder._parse_data). One refusal is added: a delimiter followed by
more transport padding than MAX_DELIMITER_PADDING, which Werkzeug would take
(see DelimiterSearch). Werkzeug does all the rest of the decoding, as before;
tests/intake/test_multipart_decoder.py checks the events are those of
Werkzeug's own decoder, however a body is cut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from werkzeug.sansio.multipart import LINE_BREAK, LINE_BREAK_RE, MultipartDecoder, State

# What follows `--boundary` on a delimiter line, as in Werkzeug's patterns: the
# closing `--` (an epilogue follows) with an optional line break, or the line
# break, with any horizontal whitespace ("transport padding") before it.
_REST_OF_DELIMITER = re.compile(rb"(--[^\S\n\r]*(?:\r\n|\n|\r)?|[^\S\n\r]*(?:\r\n|\n|\r))")
# Whitespace RFC 2046 lets a sender put after a delimiter ("transport padding"): no
# client sends more than a few bytes of it. A delimiter line must reach the decoder
# whole (intake/receiving.py holds back one that has not ended), and only a bounded
# line can be held, so a delimiter with more than this is refused, however it is cut.
MAX_DELIMITER_PADDING = 64
# What follows `--boundary` where the padding has passed the bound: the closing `--`
# or not, then one blank more than allowed.
_OVER_PADDING = rb"(?:--)?[^\S\n\r]{%d}" % (MAX_DELIMITER_PADDING + 1)
_OVER_PADDED = re.compile(_OVER_PADDING)
# Werkzeug's constructor is run with this boundary, whose patterns Python's cache
# keeps, and the decoder's own boundary and searches are set afterwards.
_CACHED_BOUNDARY = b"haven-boundary"
# False `--boundary` markers a body may hold before its searches become Werkzeug's
# patterns (DelimiterSearch): an honest body holds none.
MAX_FALSE_MARKERS = 32


@dataclass(frozen=True)
class DelimiterMatch:
    """What Werkzeug asks of a match of its delimiter pattern."""

    _start: int
    _end: int
    _rest: bytes

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def group(self, index: int) -> bytes:
        # Werkzeug reads group 1 only: the rest of the delimiter line.
        assert index == 1
        return self._rest


class DelimiterSearch:
    """Finds what Werkzeug's pattern `LINE_BREAK --boundary (rest)` finds, leftmost first.

    With `line_break_optional` the line break before `--` may be absent (the
    first delimiter, which may open the body).

    A `--boundary` where a delimiter may begin and followed by more than
    MAX_DELIMITER_PADDING blanks is refused (ValueError, as Werkzeug refuses),
    whatever follows them: Werkzeug would take it as a delimiter once a line
    break came, however far on, and a buffer ending inside such padding as
    data, so the same body would decode one way whole and another cut.

    Each `--boundary` that turns out not to be a delimiter costs a few Python
    steps, where the pattern would have stepped over it in C. An honest body
    has none (its boundary is random), but a sender choosing a boundary of one
    character and a body full of it would make every byte one: minutes of CPU
    for 500 MiB, before any token is checked. So after MAX_FALSE_MARKERS of
    them in one body, the search is Werkzeug's own pattern for this boundary,
    compiled then: a cost only such a body pays.
    """

    def __init__(self, boundary: bytes, *, line_break_optional: bool) -> None:
        self._boundary = boundary
        self._marker = b"--" + boundary
        self._line_break_optional = line_break_optional
        self.false_markers = 0
        self._pattern: re.Pattern[bytes] | None = None
        self._over_padded: re.Pattern[bytes] | None = None

    @property
    def uses_pattern(self) -> bool:
        """Whether the search has become Werkzeug's compiled pattern."""
        return self._pattern is not None

    def search(
        self, data: bytes | bytearray, pos: int = 0
    ) -> DelimiterMatch | re.Match[bytes] | None:
        if self._pattern is not None:
            return self._pattern_search(data, pos)
        at = data.find(self._marker, pos)
        while at >= 0:
            start = self._match_start(data, at, pos)
            if start is not None:
                if _OVER_PADDED.match(data, at + len(self._marker)):
                    raise _over_padding_refused()
                rest = _REST_OF_DELIMITER.match(data, at + len(self._marker))
                if rest is not None:
                    return DelimiterMatch(start, rest.end(), bytes(rest.group(1)))
            self.false_markers += 1
            if self.false_markers > MAX_FALSE_MARKERS:
                self._pattern = self._werkzeug_pattern()
                self._over_padded = self._over_padded_pattern()
                return self._pattern_search(data, pos)
            at = data.find(self._marker, at + 1)
        return None

    def _pattern_search(self, data: bytes | bytearray, pos: int) -> re.Match[bytes] | None:
        # What the loop above finds, in C: Werkzeug's match, unless an over-padded
        # `--boundary` where a delimiter may begin comes first (or is that match's).
        assert self._pattern is not None and self._over_padded is not None
        match = self._pattern.search(data, pos)
        over = self._over_padded.search(data, pos)
        # Werkzeug's group 1 is what follows the marker.
        if over is not None and (
            match is None or over.start(1) <= match.start(1) - len(self._marker)
        ):
            raise _over_padding_refused()
        return match

    def _werkzeug_pattern(self) -> re.Pattern[bytes]:
        # Werkzeug's own patterns for this boundary, not a copy of them.
        decoder = MultipartDecoder(self._boundary)
        return decoder.preamble_re if self._line_break_optional else decoder.boundary_re

    def _over_padded_pattern(self) -> re.Pattern[bytes]:
        # The marker (group 1) after a line break, or anywhere when none is needed.
        line_break = b"" if self._line_break_optional else LINE_BREAK
        return re.compile(line_break + b"(" + re.escape(self._marker) + b")" + _OVER_PADDING)

    def _match_start(self, data: bytes | bytearray, at: int, pos: int) -> int | None:
        # A search tries each start from `pos` on: the earliest at which a line break
        # (\r\n, \n or \r) ends right before the marker, else the marker itself when the
        # line break is optional. Only these can start a match ending in this marker.
        if at - 2 >= pos and data[at - 2 : at] == b"\r\n":
            return at - 2
        if at - 1 >= pos and data[at - 1 : at] in (b"\r", b"\n"):
            return at - 1
        return at if self._line_break_optional else None


def _over_padding_refused() -> ValueError:
    return ValueError(f"more than {MAX_DELIMITER_PADDING} bytes of padding after a delimiter")


class BoundaryDecoder(MultipartDecoder):
    """MultipartDecoder for `boundary`, its delimiter searches built without compiling."""

    def __init__(
        self,
        boundary: bytes,
        max_form_memory_size: int | None = None,
        *,
        max_parts: int | None = None,
    ) -> None:
        super().__init__(_CACHED_BOUNDARY, max_form_memory_size, max_parts=max_parts)
        self.boundary = boundary
        self._marker = b"--" + boundary
        # A whole delimiter's length: a line break, the marker (Werkzeug's window).
        self._delimiter_length = len(b"\r\n" + self._marker)
        # Werkzeug calls only search() on these, and reads start(), end(), group(1).
        self.preamble_re = DelimiterSearch(boundary, line_break_optional=True)  # type: ignore[assignment]
        self.boundary_re = DelimiterSearch(boundary, line_break_optional=False)  # type: ignore[assignment]

    def _parse_data(self, data: bytes | bytearray, *, start: bool) -> tuple[bytes, int, bool]:
        """Werkzeug's own `_parse_data`, copying a part's data once.

        Werkzeug's copies the whole buffer to look for a partial delimiter at
        its end, and copies the data twice more (a slice of the bytearray, then
        bytes of it): three copies of every byte of a file, about a tenth of a
        large upload's time. Here the partial delimiter is looked for in the
        buffer's last delimiter's length, the only place Werkzeug's can find
        it, and the data is copied once out of a view.
        """
        data_start = 0
        if start:
            match = LINE_BREAK_RE.match(data)
            assert match is not None  # Werkzeug's decoder asks only when one is there
            data_start = match.end()
        # `data` is the decoder's buffer; a buffer without the marker holds no delimiter.
        match = self.boundary_re.search(data) if data.find(self._marker) >= 0 else None
        if match is not None:
            # After the delimiter: the closing one's epilogue, or the next part.
            closing = match.group(1).startswith(b"--")
            self.state = State.EPILOGUE if closing else State.PART
            data_end, del_index = match.start(), match.end()
        else:
            data_end = del_index = self._partial_delimiter_start(data, data_start)
        with memoryview(data) as view:
            return bytes(view[data_start:data_end]), del_index, match is None

    def _partial_delimiter_start(self, data: bytes | bytearray, data_start: int) -> int:
        """Where a delimiter that `data` may end with the beginning of could start.

        Werkzeug's `_last_partial_boundary_index` of `data[data_start:]`, plus
        `data_start`: the earlier of the last CR and the last LF, if that is
        within a whole delimiter line (a line break, `--`, the boundary) of the
        end; else the end.
        """
        tail = max(data_start, len(data) - self._delimiter_length)
        found = [at for at in (data.rfind(b"\n", tail), data.rfind(b"\r", tail)) if at >= 0]
        return min(found, default=len(data))
