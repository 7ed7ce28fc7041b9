"""What fuzzing intake found, each with the input that found it (tests/intake/test_fuzz_*.py)."""

from __future__ import annotations

import pytest

from intake.errors import MalformedUpload
from intake.receiving import hold_unfinished_delimiter
from tests.intake import multipart
from tests.intake.receiver import TOKEN, receive, summary

CLOSE = f"--{multipart.BOUNDARY}--\r\n".encode()


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
