"""What fuzzing intake found, each with the input that found it (tests/intake/test_fuzz_*.py)."""

from __future__ import annotations

import pytest

from intake.errors import MalformedUpload
from intake.multipart_decoder import MAX_DELIMITER_PADDING
from intake.receiving import hold_unfinished_delimiter
from tests.intake import multipart
from tests.intake.receiver import TOKEN, outcome, receive, summary

CLOSE = f"--{multipart.BOUNDARY}--\r\n".encode()
BOUNDARY = multipart.BOUNDARY.encode()
MARKER = b"--" + BOUNDARY


def _cut_inside_closing_delimiter(body: bytes, into: int) -> int:
    return body.rindex(CLOSE) + into


# Found by test_any_split_of_a_valid_body_gives_the_same_form: a body cut right
# after `--boundary-` of the closing delimiter made Werkzeug's decoder release
# the CR before it as data. The last field gained a "\r" (a CSRF token that then
# failed: an honest reporter refused), the last file a byte.
@pytest.mark.parametrize("into", range(1, len(CLOSE)))
def test_a_cut_anywhere_in_the_closing_delimiter_changes_nothing(into: int) -> None:
    body = multipart.body([multipart.field("csrf_token", TOKEN)])
    whole = summary(*receive(body, []))
    assert summary(*receive(body, [_cut_inside_closing_delimiter(body, into)])) == whole


@pytest.mark.parametrize("into", range(1, len(CLOSE)))
def test_the_last_file_keeps_its_size_when_the_closing_delimiter_is_cut(into: int) -> None:
    body = multipart.body([
        multipart.field("csrf_token", TOKEN),
        multipart.file_part(b"0", b"", "image/png"),
    ])
    form, files = receive(body, [_cut_inside_closing_delimiter(body, into)])
    assert [attachment.size for attachment in form.attachments] == [0]
    assert summary(form, files)[2] == {"attachment-001.age": b""}


def test_transport_padding_after_a_delimiter_is_held_back_too() -> None:
    boundary = multipart.BOUNDARY.encode()
    ready, held = hold_unfinished_delimiter(b"value\r\n--" + boundary + b"  ", boundary)
    assert (ready, held) == (b"value", b"\r\n--" + boundary + b"  ")
    finished = b"value\r\n--" + boundary + b"\r\nContent"
    assert hold_unfinished_delimiter(finished, boundary) == (finished, b"")


@pytest.mark.parametrize("ending", [b"\r", b"\r\n", b"\n", b"\r\n-", b"\r\n--", b"\r\n--" + b"x"])
def test_a_line_break_and_the_start_of_a_marker_are_held_back(ending: bytes) -> None:
    boundary = b"x" + multipart.BOUNDARY.encode()
    assert hold_unfinished_delimiter(b"value" + ending, boundary) == (b"value", ending)
    assert hold_unfinished_delimiter(b"value\r\nother", boundary) == (b"value\r\nother", b"")


# Found by the session's security review: a delimiter whose line break and `--` came
# with one read and its boundary and padding with the next. Only the second read was
# looked at for a marker, so the decoder got a buffer ending inside the delimiter
# line, and released its CR as data: the CSRF token before it failed.
def test_a_delimiter_line_cut_twice_anywhere_changes_nothing() -> None:
    boundary = multipart.BOUNDARY.encode()
    line = b"\r\n--" + boundary + b" \t "
    body = multipart.body([multipart.field("csrf_token", TOKEN),
                           multipart.field("narrative", "they came")]).replace(
        b"\r\n--" + boundary + b"\r\nContent", line + b"\r\nContent", 1)  # fmt: skip
    at = body.index(line)
    whole = summary(*receive(body, []))
    assert ("csrf_token", TOKEN) in whole[0]
    for first in range(at, at + len(line) + 2):
        for second in range(first + 1, at + len(line) + 3):
            assert summary(*receive(body, [first, second])) == whole, (first - at, second - at)


# Found by test_hostile_bodies_are_refused_as_uploads_or_received (deep profile): a
# part whose Content-Disposition names no field entered the form under the key None.
@pytest.mark.parametrize("disposition", [b"Content-Disposition", b"Content-Disposition: form-data",
                                         b'Content-Disposition: form-data; name=""'])
def test_a_part_without_a_name_is_refused(disposition: bytes) -> None:
    boundary = multipart.BOUNDARY.encode()
    body = multipart.body([
        multipart.field("csrf_token", TOKEN),
        b"--" + boundary + b"\r\n" + disposition + b"\r\n\r\nthe-csrf-token\r\n",
    ])
    with pytest.raises(MalformedUpload):
        receive(body, [])


def test_the_first_delimiter_with_padding_cut_anywhere_changes_nothing() -> None:
    """The body's first delimiter has no line break before it to hold back from."""
    boundary = multipart.BOUNDARY.encode()
    body = multipart.body([multipart.field("csrf_token", TOKEN)])
    assert body.startswith(b"--" + boundary + b"\r\n")
    body = body.replace(b"\r\n", b" " * 20 + b"\r\n", 1)
    whole = summary(*receive(body, []))
    assert ("csrf_token", TOKEN) in whole[0]
    for cut in range(1, len(boundary) + 26):
        assert summary(*receive(body, [cut])) == whole, cut


def _every_single_cut_as_whole(body: bytes, boundary: bytes) -> tuple[str, object]:
    whole = outcome(body, [], boundary)
    for cut in range(1, len(body)):
        assert outcome(body, [cut], boundary) == whole, cut
    return whole


# Found by the outside review: transport padding longer than the receiver holds back
# (MAX_DELIMITER_PADDING) decoded whole, but a read ending inside it gave Werkzeug's
# decoder a delimiter line without its end: the CR before it went out as data, and the
# CSRF token or the file gained bytes. Such padding is now refused wherever it falls.
@pytest.mark.parametrize("spaces", [MAX_DELIMITER_PADDING + 1, 70, 100])
def test_padding_past_the_bound_is_refused_however_the_body_is_cut(spaces: int) -> None:
    parts = [
        multipart.field("csrf_token", TOKEN),
        multipart.file_part(b"a.txt", b"hello world", "text/plain"),
    ]
    body = multipart.body(parts).replace(MARKER + b"\r\n", MARKER + b" " * spaces + b"\r\n")
    assert _every_single_cut_as_whole(body, BOUNDARY) == ("refused", "MalformedUpload")
    within = body.replace(b" " * spaces, b" " * MAX_DELIMITER_PADDING)
    assert _every_single_cut_as_whole(within, BOUNDARY)[0] == "received"


SHORT = b"bnd"
_CSRF = (b"--bnd\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
         + TOKEN.encode())  # fmt: skip


# Found by searching with several cuts at once (tests/intake/test_fuzz_multipart.py's
# adjacent delimiters), each decoded one way whole and another cut where shown:
@pytest.mark.parametrize(
    "tail",
    [
        # A part's headers ending LF CR LF LF right against the closing delimiter, which
        # the marker follows with no line break (cut inside the second marker): the hold
        # took `--bnd--bnd` for no delimiter line and held back from its second marker,
        # leaving the decoder `\n--bnd`, which it released as the part's data.
        b'\r\n--bnd\rContent-Disposition: form-data; name="a"\n\r\n\n--bnd--bnd',
        # A delimiter line padded to the bound whose LF begins the next line, a marker
        # not yet ended (cut after it): the hold looked back too little to see the first
        # line had ended, held back from its LF, and the decoder, given the padded line
        # without its end, released the CR before it into the CSRF token.
        b"\r\n--bnd" + b" " * MAX_DELIMITER_PADDING + b"\n--bnd--\n\n--bnd--",
        # A marker with no line break before it (data, in a part), its line ended by a
        # CR that begins a delimiter line (cut after that CR and a dash): the CR was
        # taken as the first line's end, and the delimiter line after it went unheld.
        b'Content-Disposition: form-data; name="a"\n\r\nContent-Disposition: form-data;'
        b' name="a"\n\r---bnd\r--bnd  \r',
    ],
)
def test_delimiter_lines_sharing_a_line_break_decode_the_same_however_cut(tail: bytes) -> None:
    _every_single_cut_as_whole(_CSRF + tail, SHORT)


# Found by test_any_split_of_a_valid_body_gives_the_same_form once its padding reached
# the bound: the body's first delimiter (no line break before it) cut inside its
# marker and again inside its padding. The hold let the marker's beginning go (no line
# break, no whole marker), and Werkzeug's preamble search, on from the end less a
# marker's length, started past the marker once the padding came: the form was empty.
def test_the_first_delimiter_padded_to_the_bound_cut_twice_changes_nothing() -> None:
    body = multipart.body([multipart.field("csrf_token", TOKEN)])
    body = body.replace(b"\r\n", b" " * MAX_DELIMITER_PADDING + b"\r\n", 1)
    whole = outcome(body, [])
    assert whole[0] == "received"
    for first in range(1, len(MARKER)):
        for second in range(len(MARKER), len(MARKER) + MAX_DELIMITER_PADDING + 2):
            assert outcome(body, [first, second]) == whole, (first, second)
