"""Fuzzing bundle import: edited valid bundles and arbitrary archives leave nothing behind.

Each example imports into a fresh workspace. A refused bundle raises a
ReviewError and leaves the workspace as it was: no rows, no objects, nothing
in staging, the import lock free. A bundle that is still accepted after an edit
(one that hit padding, say) brings only what the signed manifest named, byte
for byte: the edits cannot have slipped anything past the checks.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hypothesis import event, given
from hypothesis import strategies as st
from sqlalchemy import func, select

import keys
from review.errors import ReviewError
from review.pickup.importer import import_bundle
from review.pickup.provenance import pin
from review.workspace.models import AuditEntry, StoredFile, Submission
from review.workspace.store import OBJECTS_DIR, Workspace
from tests.fuzzing import fuzz
from tests.mutations import mutated
from tests.review.bundles import INTAKE_KEY, BundleWriter, encrypted_submission

READER = keys.X25519Identity(bytes(range(32)))
HONEST = BundleWriter([
    encrypted_submission({"narrative": "followed"}, recipients=[READER.recipient()],
                         attachments=[("a.jpg", "image/jpeg", b"\xff\xd8\xff rest")]),
    encrypted_submission({"narrative": "called"}, recipients=[READER.recipient()]),
])
HONEST_FILES = {hashlib.sha256(data).hexdigest(): data
                for submission in HONEST.submissions for _, _, data in submission.files}


def _honest_bundle() -> bytes:
    with tempfile.TemporaryDirectory() as directory:
        return HONEST.write(Path(directory) / "bundle.tar").read_bytes()


VALID = _honest_bundle()


@contextmanager
def _fresh_workspace() -> Iterator[Workspace]:
    with tempfile.TemporaryDirectory(prefix="haven-fuzz-") as directory:
        workspace = Workspace.create(Path(directory) / "workspace")
        with workspace.transaction() as session:
            pin(session, INTAKE_KEY.public_key())
        try:
            yield workspace
        finally:
            workspace.dispose()


def _rows(workspace: Workspace) -> tuple[int, int, int]:
    with workspace.sessions() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Submission, StoredFile, AuditEntry))


def _objects(workspace: Workspace) -> dict[str, bytes]:
    return {path.name: path.read_bytes()
            for path in (workspace.root / OBJECTS_DIR).rglob("*") if path.is_file()}


def _import(data: bytes) -> None:
    with _fresh_workspace() as workspace, tempfile.TemporaryDirectory() as directory:
        bundle = Path(directory) / "bundle.tar"
        bundle.write_bytes(data)
        before = _rows(workspace)
        try:
            import_bundle(workspace, bundle, actor="fuzz")
        except ReviewError:
            event("refused")
            assert _rows(workspace) == before
            assert _objects(workspace) == {}
        else:
            event("accepted")
            with workspace.sessions() as session:
                stored = set(session.scalars(select(StoredFile.sha256)))
            assert stored <= set(HONEST_FILES)
            for name, content in _objects(workspace).items():
                assert HONEST_FILES.get(name) == content
        assert list(workspace.staging_dir().iterdir()) == []
        with workspace.import_lock():
            pass  # released: a second import could start


@fuzz(cost=6)
@given(data=mutated(VALID, max_edits=4))
def test_edited_bundles_are_refused_whole_or_bring_only_the_signed_files(data: bytes) -> None:
    _import(data)


def _archive(members: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for name, content in members:
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return out.getvalue()


member_names = st.one_of(
    st.sampled_from(["manifest.json", "manifest.json.sig", "submissions/x/report.age"]),
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=60),
)
archives = st.one_of(
    st.binary(max_size=4096),
    st.lists(st.tuples(member_names, st.binary(max_size=600)), max_size=5).map(_archive),
    st.builds(lambda manifest, signature: _archive([
        ("manifest.json", manifest), ("manifest.json.sig", signature)]),
        st.binary(max_size=400), st.binary(max_size=300)),
)


@fuzz(cost=6)
@given(data=archives)
def test_arbitrary_archives_are_refused_with_nothing_left_behind(data: bytes) -> None:
    _import(data)
