"""Configuration: every missing or bad setting is refused with the variable's name."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import keys
from contracts.report import MAX_LONG_ANSWER_CHARS
from intake import create_app
from intake.config import load_config
from intake.errors import ConfigError, SchemaError, SecretFileError
from intake.secretfiles import create_secret_files
from tests.intake.datadir import prepare_data_dir


def environ(data_dir: Path, **extra: str) -> dict[str, str]:
    return {"HAVEN_DATA_DIR": str(data_dir), **extra}


def test_loads_defaults(data_dir: Path, reviewer: keys.X25519Identity) -> None:
    config = load_config(environ(data_dir))
    assert [str(r) for r in config.recipients] == [str(reviewer.recipient())]
    assert config.max_upload_bytes == 500 * (1 << 20)
    assert config.database_url == f"sqlite:///{data_dir / 'intake.sqlite3'}"
    assert not config.plain_http
    assert len(config.secret_key) == 32 and len(config.receipt_pepper) == 32
    assert config.secret_key != config.receipt_pepper


def test_data_dir_is_required() -> None:
    with pytest.raises(ConfigError, match="HAVEN_DATA_DIR is not set"):
        load_config({})


@pytest.mark.parametrize("missing", ["secret_key", "receipt_pepper"])
def test_refuses_to_start_without_a_secret(data_dir: Path, missing: str) -> None:
    (data_dir / missing).unlink()
    with pytest.raises(ConfigError, match=f"{missing} is missing"):
        load_config(environ(data_dir))


def test_refuses_a_secret_others_can_read(data_dir: Path) -> None:
    os.chmod(data_dir / "receipt_pepper", 0o644)
    with pytest.raises(ConfigError, match="accessible to other users"):
        load_config(environ(data_dir))


def test_secrets_are_created_0600_and_never_replaced(tmp_path: Path) -> None:
    create_secret_files(tmp_path)
    pepper = (tmp_path / "receipt_pepper").read_text()
    for name in ("secret_key", "receipt_pepper"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600
    with pytest.raises(SecretFileError, match="refusing to replace"):
        create_secret_files(tmp_path)
    assert (tmp_path / "receipt_pepper").read_text() == pepper


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("# nobody yet\n\n", "no recipient"),
        ("age1notarecipient\n", "line 1"),
    ],
)
def test_refuses_bad_recipients(data_dir: Path, content: str, message: str) -> None:
    (data_dir / "recipients.txt").write_text(content)
    with pytest.raises(ConfigError, match=rf"HAVEN_RECIPIENTS_FILE.*{message}"):
        load_config(environ(data_dir))


def test_refuses_mixed_post_quantum_and_classic(data_dir: Path) -> None:
    classic = keys.X25519Identity.generate().recipient()
    hybrid = keys.HybridIdentity.generate().recipient()
    (data_dir / "recipients.txt").write_text(f"{classic}\n{hybrid}\n")
    with pytest.raises(ConfigError, match=r"HAVEN_RECIPIENTS_FILE.*mix"):
        load_config(environ(data_dir))


def test_accepts_post_quantum_recipients(data_dir: Path) -> None:
    hybrid = [keys.HybridIdentity.generate().recipient() for _ in range(2)]
    (data_dir / "recipients.txt").write_text("".join(f"{r}\n" for r in hybrid))
    assert len(load_config(environ(data_dir)).recipients) == 2


def test_missing_recipients_file(data_dir: Path) -> None:
    with pytest.raises(ConfigError, match="HAVEN_RECIPIENTS_FILE"):
        load_config(environ(data_dir, HAVEN_RECIPIENTS_FILE=str(data_dir / "absent")))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HAVEN_MAX_UPLOAD_BYTES", "lots"),
        ("HAVEN_MAX_FILES", "0"),
        ("HAVEN_MAX_TEXT_CHARS", "-5"),
        ("HAVEN_PLAIN_HTTP", "yes"),
    ],
)
def test_refuses_bad_settings(data_dir: Path, name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_config(environ(data_dir, **{name: value}))


def test_app_refuses_an_unmigrated_database(tmp_path: Path, reviewer: keys.X25519Identity) -> None:
    data_dir = prepare_data_dir(tmp_path, [str(reviewer.recipient())])
    (data_dir / "intake.sqlite3").unlink()
    with pytest.raises(SchemaError, match="haven intake migrate"):
        create_app(load_config(environ(data_dir)))


@pytest.mark.parametrize("kind", [keys.X25519Identity, keys.HybridIdentity])
def test_a_reviewer_private_key_is_never_accepted_as_a_recipient(
    data_dir: Path, kind: type[keys.X25519Identity] | type[keys.HybridIdentity]
) -> None:
    """DESIGN: the intake server holds no private key of any reviewer. An identity
    pasted into the recipients file by mistake stops intake, and the error does not
    repeat the secret (it would end up in the operator's terminal and logs)."""
    secret = str(kind.generate())
    (data_dir / "recipients.txt").write_text(f"# reviewer\n{secret}\n")
    with pytest.raises(ConfigError) as refused:
        load_config(environ(data_dir))
    assert "line 2" in str(refused.value)
    assert secret not in str(refused.value) and secret[20:40] not in str(refused.value)


def test_long_answers_are_bounded_by_the_contract(data_dir: Path) -> None:
    limit = str(MAX_LONG_ANSWER_CHARS)
    assert load_config(environ(data_dir, HAVEN_MAX_TEXT_CHARS=limit)).max_text_chars == int(limit)
    with pytest.raises(ConfigError, match=f"HAVEN_MAX_TEXT_CHARS must be at most {limit}"):
        load_config(environ(data_dir, HAVEN_MAX_TEXT_CHARS=str(MAX_LONG_ANSWER_CHARS + 1)))
