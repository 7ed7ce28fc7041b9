"""Fuzzing the multipart receiver (intake/receiving.py), directly and through the app.

A valid body read in any pieces gives the same form; any hostile body read in
any pieces gives what it gives read whole (the same form, or the same kind of
refusal); arbitrary part headers, boundaries and bodies are refused with an
UploadRefused (directly) or the 400 page (through the app), never a 500, and
leave no staged row behind.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from intake.models import Chunk, StoredFile, Submission
from intake.multipart_decoder import MAX_DELIMITER_PADDING
from tests.fuzzing import fuzz
from tests.intake import multipart
from tests.intake.forms import csrf_token
from tests.intake.receiver import TOKEN, outcome, receive, summary
from tests.intake.storage import engine_of
from tests.mutations import mutated

text_values = st.text(max_size=300).map(lambda text: text.replace("\r", ""))
file_names = st.text(
    st.characters(blacklist_characters='"\r\n\\', blacklist_categories=("Cs",)),
    min_size=1, max_size=40)


@st.composite
def valid_bodies(draw: st.DrawFn) -> bytes:
    parts = [multipart.field("csrf_token", TOKEN)]
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        if draw(st.booleans()):
            parts.append(multipart.field(draw(st.sampled_from(["narrative", "where", "x"])),
                                         draw(text_values)))
        else:
            data = draw(st.binary(max_size=3000))
            parts.append(multipart.file_part(draw(file_names).encode(), data,
                                             draw(st.sampled_from(["image/png", "text/plain"]))))
    body = multipart.body(parts)
    # Transport padding after the delimiters, and the closing one's line break or none,
    # as RFC 2046 allows a sender.
    marker = b"--" + multipart.BOUNDARY.encode()
    padding = draw(st.sampled_from([b"", b" ", b"\t", b" \t  ", b" " * MAX_DELIMITER_PADDING]))
    closing_end = draw(st.sampled_from([b"\r\n", b"", b" \r\n", b"\n"]))
    body = body.replace(marker + b"\r\n", marker + padding + b"\r\n")
    return body.replace(marker + b"--\r\n", marker + b"--" + closing_end)


@fuzz(cost=2)
@given(body=valid_bodies(), cuts=st.lists(st.integers(min_value=1, max_value=20000),
                                          max_size=12))
def test_any_split_of_a_valid_body_gives_the_same_form(body: bytes, cuts: list[int]) -> None:
    whole = summary(*receive(body, []))
    assert summary(*receive(body, cuts)) == whole
    # Every split point, one at a time, on a short body: the decoder's edge cases.
    if len(body) < 400:
        for cut in range(1, len(body)):
            assert summary(*receive(body, [cut])) == whole


_header_line = st.binary(max_size=120).map(lambda b: b.replace(b"\r\n", b""))


_MARKER = b"--" + multipart.BOUNDARY.encode()
_line_breaks = st.sampled_from([b"\r\n", b"\n", b"\r"])
_line_breaks_or_none = st.sampled_from([b"\r\n", b"\n", b"\r", b""])
# Padding around the bound the receiver holds a delimiter line back within, and short.
_paddings = st.tuples(
    st.sampled_from([0, 1, 2, MAX_DELIMITER_PADDING - 1, MAX_DELIMITER_PADDING,
                     MAX_DELIMITER_PADDING + 1, 70]),
    st.randoms(use_true_random=False),
).map(lambda drawn: bytes(drawn[1].choice(b" \t") for _ in range(drawn[0])))  # fmt: skip
_part_headers = st.sampled_from([
    b'Content-Disposition: form-data; name="a"',
    b'Content-Disposition: form-data; name="attachments"; filename="f"',
    b"Content-Type: text/plain",
])  # fmt: skip


@st.composite
def adjacent_delimiters(draw: st.DrawFn) -> bytes:
    """A CSRF field, then delimiter lines right against part headers, each other and
    pieces of themselves: a header's line break or blank line that is also the start of
    a delimiter, LF-only and mixed line breaks, padding up to and past the bound, empty
    parts, a closing delimiter with no line break, a marker cut short."""
    pieces = [_MARKER + b'\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
              + TOKEN.encode()]  # fmt: skip
    for _ in range(draw(st.integers(min_value=1, max_value=10))):
        kind = draw(st.integers(min_value=0, max_value=4))
        if kind == 0:  # a delimiter line, its line break before it and after it or not
            pieces.append(draw(_line_breaks) + _MARKER + draw(st.sampled_from([b"", b"--"]))
                          + draw(_paddings) + draw(_line_breaks_or_none))  # fmt: skip
        elif kind == 1:  # a header line ending in one line break or a blank line
            pieces.append(draw(_part_headers) + draw(_line_breaks) + draw(_line_breaks_or_none))
        elif kind == 2:
            pieces.append(draw(_paddings))
        elif kind == 3:
            pieces.append(_MARKER[: draw(st.integers(min_value=1, max_value=len(_MARKER)))])
        else:
            pieces.append(draw(st.sampled_from([b"x", b"-", b"--", b"\r", b"\n", b"\r\n",
                                                b" ", _MARKER])))  # fmt: skip
    return b"".join(pieces)


@st.composite
def hostile_bodies(draw: st.DrawFn) -> bytes:
    boundary = multipart.BOUNDARY.encode()
    choice = draw(st.integers(min_value=0, max_value=3))
    if choice == 0:
        return draw(st.binary(max_size=2000))
    if choice == 1:
        # Well framed parts with arbitrary headers.
        parts = [multipart.field("csrf_token", TOKEN)]
        for _ in range(draw(st.integers(min_value=1, max_value=3))):
            headers = b"\r\n".join(draw(st.lists(_header_line, min_size=0, max_size=4)))
            parts.append(b"--" + boundary + b"\r\n" + headers + b"\r\n\r\n"
                         + draw(st.binary(max_size=200)) + b"\r\n")
        return b"".join(parts) + b"--" + boundary + b"--\r\n"
    if choice == 2:
        return draw(valid_bodies().flatmap(mutated))
    return draw(adjacent_delimiters())


@fuzz(cost=2)
@given(body=adjacent_delimiters())
def test_adjacent_delimiters_cut_at_any_one_place_give_what_they_give_whole(body: bytes) -> None:
    whole = outcome(body, [])
    for cut in range(1, len(body)):
        assert outcome(body, [cut]) == whole, cut


def _with_cuts(bodies: st.SearchStrategy[bytes]) -> st.SearchStrategy[tuple[bytes, list[int]]]:
    """A body and where the network cuts it: several places inside it."""
    return bodies.flatmap(lambda body: st.tuples(st.just(body), st.lists(
        st.integers(min_value=1, max_value=max(1, len(body) - 1)), max_size=8)))  # fmt: skip


@fuzz(cost=2)
@given(case=_with_cuts(hostile_bodies()))
def test_any_split_of_a_hostile_body_gives_what_it_gives_whole(
    case: tuple[bytes, list[int]],
) -> None:
    body, cuts = case
    whole = outcome(body, [])
    assert outcome(body, cuts) == whole
    # Every split point, one at a time, on a short body: the decoder's edge cases.
    if len(body) < 400:
        for cut in range(1, len(body)):
            assert outcome(body, [cut]) == whole, cut
    if whole[0] == "received":
        # Accepted: then every attachment it lists was stored whole and decrypts.
        form, files = receive(body, [])
        assert len(summary(form, files)[2]) == len(form.attachments)


def _staged(app: Flask) -> tuple[int, int, int]:
    with engine_of(app).connect() as connection:
        return (
            connection.scalar(select(func.count()).select_from(Submission)) or 0,
            connection.scalar(select(func.count()).select_from(StoredFile)) or 0,
            connection.scalar(select(func.count()).select_from(Chunk)) or 0,
        )


# What a client can put in a header: Latin-1 (WSGI's header encoding), no line break.
header_text = st.characters(max_codepoint=0xFF, blacklist_characters="\r\n")
boundaries = st.one_of(
    st.text(header_text, max_size=80),
    st.text(st.characters(max_codepoint=127, blacklist_characters="\r\n"), max_size=80).map(
        lambda b: f"boundary*=UTF-8''{b}"),
    st.just(multipart.BOUNDARY),
)


@fuzz(cost=3)
@given(body=hostile_bodies(), boundary=boundaries, with_token=st.booleans())
def test_hostile_requests_get_the_400_page_and_store_nothing(
    app: Flask, client: FlaskClient, body: bytes, boundary: str, with_token: bool
) -> None:
    before = _staged(app)
    if with_token:
        body = body.replace(TOKEN.encode(), csrf_token(client).encode())
    parameter = boundary if "=" in boundary else f'boundary="{boundary}"'
    response = client.post(
        "/report",
        data=body,
        headers={"Content-Type": f"multipart/form-data; {parameter}"},
    )
    # 303: the body happened to be a valid report (on to its receipt); 422: a form to
    # correct, stored nothing.
    assert response.status_code in (303, 400, 403, 413, 422), response.status_code
    if response.status_code != 303:
        assert _staged(app) == before
