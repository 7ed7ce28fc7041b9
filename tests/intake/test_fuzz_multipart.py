"""Fuzzing the multipart receiver (intake/receiving.py), directly and through the app.

A valid body read in any pieces gives the same form; arbitrary part headers,
boundaries and bodies are refused with an UploadRefused (directly) or the 400
page (through the app), never a 500, and leave no staged row behind.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from intake.errors import UploadRefused
from intake.models import Chunk, StoredFile, Submission
from tests.fuzzing import fuzz
from tests.intake import multipart
from tests.intake.forms import csrf_token
from tests.intake.receiver import TOKEN, receive, summary
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
    padding = draw(st.sampled_from([b"", b" ", b"\t", b" \t  "]))
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


@st.composite
def hostile_bodies(draw: st.DrawFn) -> bytes:
    boundary = multipart.BOUNDARY.encode()
    choice = draw(st.integers(min_value=0, max_value=2))
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
    return draw(valid_bodies().flatmap(mutated))


@fuzz(cost=2)
@given(body=hostile_bodies(), cuts=st.lists(st.integers(min_value=1, max_value=3000),
                                            max_size=6))
def test_hostile_bodies_are_refused_as_uploads_or_received(body: bytes, cuts: list[int]) -> None:
    try:
        form, files = receive(body, cuts)
    except UploadRefused:
        return
    # Accepted: then every attachment it lists was stored whole and decrypts.
    decrypted = summary(form, files)[2]
    assert len(decrypted) == len(form.attachments)


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
