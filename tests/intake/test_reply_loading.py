"""Loading reply bundles: signed by a trusted reviewer, never twice, whole or not at all."""

from __future__ import annotations

import io
import os
import tarfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, delete, func, select

import intake.reply_sequences
from contracts.replies import MAX_REPLY_FILE_BYTES
from haven.cli import main as cli
from intake.errors import ReplyBundleRefused, TrustedReviewersError
from intake.models import (
    ForgottenReply,
    LoadedReplyBundle,
    LoadedReplySequence,
    Reply,
    ReviewerSequence,
    Submission,
)
from intake.purge import purge_old_replies
from intake.reply_loading import MAX_BUNDLE_BYTES, LoadedBundle, load_reply_bundle
from intake.trusted_reviewers import (
    TRUSTED_REVIEWERS_FILE,
    distrust_reviewer,
    read_trusted_reviewers,
    trust_reviewer,
)
from keys.signing import PICKUP_NAMESPACE, SigningKey
from tests.intake.reply_bundles import ReplyBundle, add_member, reply_recipient, submit_report
from tests.intake.storage import engine_of, submissions

TODAY = date(2031, 1, 2)
# Intake's default retention: the bundles most tests write are days old at most.
RETENTION_DAYS = 14


@pytest.fixture
def signing_key(data_dir: Path) -> SigningKey:
    """A reviewer's reply signing key, trusted by intake."""
    key = SigningKey.generate()
    trust_reviewer(data_dir, f"{key.public_key()} alice")
    return key


@pytest.fixture
def case(app: Flask, client: FlaskClient) -> str:
    """The id of a published report's submission."""
    submit_report(client)
    (submission_id,) = submissions(engine_of(app))
    return submission_id


def load(app: Flask, data_dir: Path, bundle: Path) -> LoadedBundle:
    trusted = read_trusted_reviewers(data_dir)
    return load_reply_bundle(
        engine_of(app), bundle, trusted=trusted, today=TODAY, retention_days=RETENTION_DAYS
    )


def snapshot(engine: Engine) -> tuple[object, ...]:
    """Everything loading may change."""
    with engine.connect() as connection:
        return (
            connection.execute(
                select(Reply.id, Reply.hidden).order_by(Reply.submission_id, Reply.seq)
            ).all(),
            connection.execute(
                select(ReviewerSequence.signer, ReviewerSequence.floor_sequence)
            ).all(),
            connection.execute(
                select(LoadedReplySequence.signer, LoadedReplySequence.sequence)
            ).all(),
            connection.execute(select(LoadedReplyBundle.bundle_id)).all(),
        )


def bundle_for(app: Flask, case: str, key: SigningKey, *, sequence: int = 1) -> ReplyBundle:
    bundle = ReplyBundle(key, sequence=sequence)
    bundle.add(reply_recipient(engine_of(app), case), case, status="reading", text="Thank you.")
    return bundle


def test_a_signed_bundle_is_stored_as_ciphertext_with_its_sequence(
    app: Flask, data_dir: Path, tmp_path: Path, case: str, signing_key: SigningKey
) -> None:
    bundle = bundle_for(app, case, signing_key, sequence=4)
    loaded = load(app, data_dir, bundle.write(tmp_path / "replies.tar"))
    assert loaded == LoadedBundle(
        bundle.bundle_id, signing_key.public_key().fingerprint(), 1, False
    )
    engine = engine_of(app)
    with engine.connect() as connection:
        (row,) = connection.execute(select(Reply)).all()
        assert row.data == bundle.replies[0].data and row.loaded_day == TODAY
        assert connection.execute(select(LoadedReplySequence.sequence)).scalar_one() == 4
    assert b"Thank you." not in row.data


def test_loading_twice_changes_nothing(
    app: Flask, data_dir: Path, tmp_path: Path, case: str, signing_key: SigningKey
) -> None:
    path = bundle_for(app, case, signing_key).write(tmp_path / "replies.tar")
    load(app, data_dir, path)
    before = snapshot(engine_of(app))
    again = load(app, data_dir, path)
    assert again.already_loaded and again.replies == 0
    assert snapshot(engine_of(app)) == before


def refused(app: Flask, data_dir: Path, path: Path, match: str) -> None:
    before = snapshot(engine_of(app))
    with pytest.raises(ReplyBundleRefused, match=match):
        load(app, data_dir, path)
    assert snapshot(engine_of(app)) == before


def test_an_unknown_signer_is_refused(
    app: Flask, data_dir: Path, tmp_path: Path, case: str, signing_key: SigningKey
) -> None:
    forged = bundle_for(app, case, SigningKey.generate())
    refused(app, data_dir, forged.write(tmp_path / "forged.tar"), "any trusted reviewer")
    # Naming a trusted signer in the manifest does not help a stranger either.
    forged.signer = signing_key.public_key().fingerprint()
    refused(app, data_dir, forged.write(tmp_path / "named.tar"), "any trusted reviewer")


def test_a_manifest_naming_another_trusted_signer_is_refused(
    app: Flask, data_dir: Path, tmp_path: Path, case: str, signing_key: SigningKey
) -> None:
    other = SigningKey.generate()
    trust_reviewer(data_dir, str(other.public_key()))
    bundle = bundle_for(app, case, signing_key)
    bundle.signer = other.public_key().fingerprint()
    refused(app, data_dir, bundle.write(tmp_path / "b.tar"), "names .* as signer")


def test_a_pickup_signature_does_not_pass_for_a_reply_signature(
    app: Flask, data_dir: Path, tmp_path: Path, case: str, signing_key: SigningKey
) -> None:
    bundle = bundle_for(app, case, signing_key)
    path = bundle.write(tmp_path / "b.tar")
    manifest = bundle.manifest()
    other_purpose = signing_key.sign(manifest, namespace=PICKUP_NAMESPACE).encode("ascii")
    with tarfile.open(tmp_path / "pickup-signed.tar", "w", format=tarfile.USTAR_FORMAT) as tar:
        add_member(tar, "manifest.json", manifest)
        add_member(tar, "manifest.json.sig", other_purpose)
    assert path.exists()
    refused(app, data_dir, tmp_path / "pickup-signed.tar", "any trusted reviewer")


def test_a_bundle_held_back_loads_after_a_later_one_and_replays_stay_refused(
    app: Flask, data_dir: Path, tmp_path: Path, case: str, signing_key: SigningKey
) -> None:
    second = bundle_for(app, case, signing_key, sequence=2)
    first = bundle_for(app, case, signing_key, sequence=1)
    load(app, data_dir, second.write(tmp_path / "second.tar"))
    # The older bundle arrives late (a courier's delay): its replies are not lost.
    late = load(app, data_dir, first.write(tmp_path / "first.tar"))
    assert late.replies == 1 and not late.already_loaded
    with engine_of(app).connect() as connection:
        assert connection.execute(select(func.count()).select_from(Reply)).scalar_one() == 2
    # Loading either again changes nothing.
    assert load(app, data_dir, tmp_path / "first.tar").already_loaded
    # The same sequences under new bundle ids: replayed replies, re-signed.
    for sequence in (1, 2):
        replay = bundle_for(app, case, signing_key, sequence=sequence)
        refused(app, data_dir, replay.write(tmp_path / f"replay-{sequence}.tar"), "loaded before")


def test_the_sequences_kept_are_bounded_and_older_ones_refused(
    app: Flask,
    data_dir: Path,
    tmp_path: Path,
    case: str,
    signing_key: SigningKey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(intake.reply_sequences, "WINDOW", 3)
    for sequence in (1, 5, 3):
        load(
            app,
            data_dir,
            bundle_for(app, case, signing_key, sequence=sequence).write(
                tmp_path / f"{sequence}.tar"
            ),
        )
    with engine_of(app).connect() as connection:
        kept = connection.execute(select(LoadedReplySequence.sequence)).scalars().all()
        floor = connection.execute(select(ReviewerSequence.floor_sequence)).scalar_one()
    # 5 loaded: the floor is 5 - 3, and the 1 below it is no longer kept.
    assert (sorted(kept), floor) == ([3, 5], 2)
    # 2 was never loaded but is at the floor: refused, as any replay of 1 is.
    for sequence in (1, 2):
        old = bundle_for(app, case, signing_key, sequence=sequence)
        refused(app, data_dir, old.write(tmp_path / f"old-{sequence}.tar"), "at or below 2")
    # 4 is inside the window and was never loaded: it loads.
    assert (
        load(
            app, data_dir, bundle_for(app, case, signing_key, sequence=4).write(tmp_path / "4.tar")
        ).replies
        == 1
    )


def test_a_sequence_beyond_64_bits_is_refused(
    app: Flask, data_dir: Path, tmp_path: Path, case: str, signing_key: SigningKey
) -> None:
    bundle = bundle_for(app, case, signing_key, sequence=2**63)
    refused(app, data_dir, bundle.write(tmp_path / "huge.tar"), "sequence is larger")


def test_a_flipped_byte_in_a_reply_is_refused(
    app: Flask, data_dir: Path, tmp_path: Path, case: str, signing_key: SigningKey
) -> None:
    bundle = bundle_for(app, case, signing_key)
    path = bundle.write(tmp_path / "b.tar")
    raw = bytearray(path.read_bytes())
    at = raw.index(bundle.replies[0].data) + len(bundle.replies[0].data) - 5
    raw[at] ^= 1
    path.write_bytes(bytes(raw))
    refused(app, data_dir, path, "SHA-256")


def test_a_flipped_byte_in_the_manifest_is_refused(
    app: Flask, data_dir: Path, tmp_path: Path, case: str, signing_key: SigningKey
) -> None:
    bundle = bundle_for(app, case, signing_key)
    path = bundle.write(tmp_path / "b.tar")
    raw = path.read_bytes()
    # A digit of the sequence, keeping the tar header checksum valid (data, not header).
    path.write_bytes(raw.replace(b'"sequence": 1', b'"sequence": 9', 1))
    refused(app, data_dir, path, "any trusted reviewer")


def test_a_signature_over_another_manifest_is_refused(
    app: Flask, data_dir: Path, tmp_path: Path, case: str, signing_key: SigningKey
) -> None:
    bundle = bundle_for(app, case, signing_key)
    other = bundle_for(app, case, signing_key).manifest()
    refused(app, data_dir, bundle.write(tmp_path / "b.tar", signed_manifest=other), "trusted")


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("../escape.age", tarfile.REGTYPE),
        ("/etc/passwd", tarfile.REGTYPE),
        ("replies/link.age", tarfile.SYMTYPE),
        ("replies/hard.age", tarfile.LNKTYPE),
        ("replies/device", tarfile.CHRTYPE),
        ("replies/fifo", tarfile.FIFOTYPE),
        ("replies", tarfile.DIRTYPE),
    ],
)
def test_traversal_links_and_devices_are_refused(
    app: Flask,
    data_dir: Path,
    tmp_path: Path,
    case: str,
    signing_key: SigningKey,
    name: str,
    kind: bytes,
) -> None:
    bundle = bundle_for(app, case, signing_key)
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = "/etc/passwd" if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE) else ""
    info.size = 3 if kind == tarfile.REGTYPE else 0
    refused(app, data_dir, bundle.write(tmp_path / "b.tar", extra=[info]), "refused|unsafe")


def test_pax_and_gnu_headers_are_refused(
    app: Flask, data_dir: Path, tmp_path: Path, case: str, signing_key: SigningKey
) -> None:
    bundle = bundle_for(app, case, signing_key)
    for name, form in (("pax.tar", tarfile.PAX_FORMAT), ("gnu.tar", tarfile.GNU_FORMAT)):
        path = tmp_path / name
        with tarfile.open(path, "w", format=form) as tar:
            add_member(tar, "manifest.json", bundle.manifest())
            info = tarfile.TarInfo("manifest.json.sig")
            signature = signing_key.sign(bundle.manifest(), namespace="haven-replies-v1@haven")
            info.size = len(signature)
            info.pax_headers = {"comment": "x"}
            tar.addfile(info, io.BytesIO(signature.encode()))
        refused(app, data_dir, path, "not POSIX ustar|only regular files")


def test_a_member_not_in_the_manifest_is_refused(
    app: Flask, data_dir: Path, tmp_path: Path, case: str, signing_key: SigningKey
) -> None:
    bundle = bundle_for(app, case, signing_key)
    files = {f"replies/{bundle.replies[0].id}.age": bundle.replies[0].data}
    files["replies/" + "0" * 32 + ".age"] = bundle.replies[0].data
    refused(app, data_dir, bundle.write(tmp_path / "b.tar", files=files), "not listed")
    refused(app, data_dir, bundle.write(tmp_path / "c.tar", files={}), "lacks")


def test_oversize_replies_and_bundles_are_refused(
    app: Flask, data_dir: Path, tmp_path: Path, case: str, signing_key: SigningKey
) -> None:
    bundle = bundle_for(app, case, signing_key)
    bundle.replies[0].data += b"\x00" * MAX_REPLY_FILE_BYTES
    refused(app, data_dir, bundle.write(tmp_path / "b.tar"), "larger than")
    huge = tmp_path / "huge.tar"
    with huge.open("wb") as sparse:
        sparse.truncate(MAX_BUNDLE_BYTES + 1)  # a sparse file: no disk is used
    refused(app, data_dir, huge, "larger")


def test_a_non_age_reply_is_refused(
    app: Flask, data_dir: Path, tmp_path: Path, case: str, signing_key: SigningKey
) -> None:
    bundle = bundle_for(app, case, signing_key)
    bundle.replies[0].data = b"-----BEGIN AGE ENCRYPTED FILE-----\n" + bundle.replies[0].data
    refused(app, data_dir, bundle.write(tmp_path / "b.tar"), "binary age")


def test_a_reply_for_an_unknown_case_refuses_the_whole_bundle(
    app: Flask, data_dir: Path, tmp_path: Path, case: str, signing_key: SigningKey
) -> None:
    bundle = bundle_for(app, case, signing_key)
    bundle.add(reply_recipient(engine_of(app), case), "f" * 32, text="for nobody")
    refused(app, data_dir, bundle.write(tmp_path / "b.tar"), "does not hold")


def test_trusted_reviewers_file_is_private_and_refused_when_writable(
    data_dir: Path, signing_key: SigningKey
) -> None:
    path = data_dir / TRUSTED_REVIEWERS_FILE
    assert path.stat().st_mode & 0o777 == 0o600
    assert [r.name for r in read_trusted_reviewers(data_dir)] == ["alice"]
    with pytest.raises(TrustedReviewersError, match="already trusted"):
        trust_reviewer(data_dir, str(signing_key.public_key()))
    os.chmod(path, 0o620)
    with pytest.raises(TrustedReviewersError, match="writable by other users"):
        read_trusted_reviewers(data_dir)
    os.chmod(path, 0o600)
    distrust_reviewer(data_dir, signing_key.public_key().fingerprint())
    assert read_trusted_reviewers(data_dir) == []
    with pytest.raises(TrustedReviewersError, match="no trusted reviewer"):
        distrust_reviewer(data_dir, signing_key.public_key().fingerprint())


def test_the_commands_trust_load_and_distrust(
    app: Flask, data_dir: Path, tmp_path: Path, case: str
) -> None:
    runner = CliRunner()
    key = SigningKey.generate()
    base = ["intake"]
    trusted = runner.invoke(
        cli, [*base, "trust-reviewer", "--data-dir", str(data_dir), f"{key.public_key()} bob"]
    )
    assert trusted.exit_code == 0, trusted.output
    path = bundle_for(app, case, key).write(tmp_path / "b.tar")
    env = {"HAVEN_PLAIN_HTTP": "1"}
    loaded = runner.invoke(
        cli, [*base, "load-replies", "--data-dir", str(data_dir), str(path)], env=env
    )
    assert loaded.exit_code == 0 and "Loaded 1 reply" in loaded.output, loaded.output
    again = runner.invoke(
        cli, [*base, "load-replies", "--data-dir", str(data_dir), str(path)], env=env
    )
    assert again.exit_code == 0 and "already loaded; nothing changed" in again.output
    fingerprint = key.public_key().fingerprint()
    gone = runner.invoke(
        cli, [*base, "distrust-reviewer", "--data-dir", str(data_dir), fingerprint]
    )
    assert gone.exit_code == 0, gone.output
    later = bundle_for(app, case, key, sequence=2).write(tmp_path / "later.tar")
    late = runner.invoke(
        cli, [*base, "load-replies", "--data-dir", str(data_dir), str(later)], env=env
    )
    assert late.exit_code == 1 and "Error: " in late.output
    with engine_of(app).connect() as connection:
        assert connection.execute(select(func.count()).select_from(Reply)).scalar_one() == 1


@pytest.mark.parametrize("first_loaded", ["original", "sent again"])
def test_replies_sent_again_load_once_whichever_bundle_comes_first(
    app: Flask,
    data_dir: Path,
    tmp_path: Path,
    case: str,
    signing_key: SigningKey,
    first_loaded: str,
) -> None:
    recipient = reply_recipient(engine_of(app), case)
    original = ReplyBundle(signing_key, sequence=1)
    reply_id = original.add(recipient, case, text="Please send the letter")
    # `haven review replies --again`: a new bundle and sequence, the same reply id.
    again = ReplyBundle(signing_key, sequence=2)
    again.add(recipient, case, text="Please send the letter", reply_id=reply_id)
    bundles = {"original": original, "sent again": again}
    later = "sent again" if first_loaded == "original" else "original"
    load(app, data_dir, bundles[first_loaded].write(tmp_path / "first.tar"))
    refused(app, data_dir, bundles[later].write(tmp_path / "later.tar"), "from another bundle")


def test_a_reply_retention_deleted_does_not_come_back_in_a_held_back_bundle(
    app: Flask, data_dir: Path, tmp_path: Path, case: str, signing_key: SigningKey
) -> None:
    recipient = reply_recipient(engine_of(app), case)
    original = ReplyBundle(signing_key, sequence=1)  # written TODAY, held back
    reply_id = original.add(recipient, case, text="Please send the letter")
    again = ReplyBundle(signing_key, sequence=2)
    again.add(recipient, case, text="Please send the letter", reply_id=reply_id)
    trusted = read_trusted_reviewers(data_dir)
    engine = engine_of(app)
    load_reply_bundle(
        engine, again.write(tmp_path / "a.tar"), trusted=trusted, today=TODAY, retention_days=30
    )
    purged = TODAY + timedelta(days=30)
    assert purge_old_replies(engine, today=purged, retention_days=30) == 1
    before = snapshot(engine)
    with pytest.raises(ReplyBundleRefused, match="30 or more days ago"):
        load_reply_bundle(
            engine,
            original.write(tmp_path / "o.tar"),
            trusted=trusted,
            today=purged + timedelta(days=1),
            retention_days=30,
        )
    assert snapshot(engine) == before
    # A day younger than retention still loads, as late as it comes.
    late = ReplyBundle(signing_key, sequence=3)
    late.add(recipient, case, text="still wanted")
    loaded = load_reply_bundle(
        engine,
        late.write(tmp_path / "l.tar"),
        trusted=trusted,
        today=TODAY + timedelta(days=29),
        retention_days=30,
    )
    assert loaded.replies == 1


@pytest.mark.parametrize("retention_after", [30, 60])
def test_a_reply_retention_deleted_is_refused_from_a_copy_written_after_it_was_loaded(
    app: Flask,
    data_dir: Path,
    tmp_path: Path,
    case: str,
    signing_key: SigningKey,
    retention_after: int,
) -> None:
    """A `--again` copy written after the original was loaded (its answer lost on the
    way back), held back until retention deleted the reply, is as new as retention
    allows; and retention may have been raised since the purge. The reply's id is
    kept while its case is, so neither brings it back (the third review's
    reply_again_after_load.py)."""
    recipient = reply_recipient(engine_of(app), case)
    original = ReplyBundle(signing_key, sequence=1)
    reply_id = original.add(recipient, case, text="Please send the letter")
    copy = ReplyBundle(signing_key, sequence=2, created_day="2031-01-20")
    copy.add(recipient, case, text="Please send the letter", reply_id=reply_id)
    trusted = read_trusted_reviewers(data_dir)
    engine = engine_of(app)
    load_reply_bundle(
        engine, original.write(tmp_path / "o.tar"), trusted=trusted, today=TODAY, retention_days=30
    )
    purged = TODAY + timedelta(days=30)
    assert purge_old_replies(engine, today=purged, retention_days=30) == 1
    before = snapshot(engine)
    with pytest.raises(ReplyBundleRefused, match="already loaded"):
        load_reply_bundle(
            engine,
            copy.write(tmp_path / "c.tar"),
            trusted=trusted,
            today=purged + timedelta(days=1),
            retention_days=retention_after,
        )
    assert snapshot(engine) == before
    # Once the case itself is purged, nothing of the reply is left.
    with engine.begin() as connection:
        connection.execute(delete(Submission).where(Submission.id == case))
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(ForgottenReply)).scalar() == 0
