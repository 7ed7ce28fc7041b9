"""Configuration of the review app, read by one pure, validated function from a mapping."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from review.errors import ConfigError
from review.session.unlock import MIN_WORK_FACTOR
from review.workspace.heads import outside_workspace

WORKSPACE_VAR = "HAVEN_REVIEW_WORKSPACE"
IDLE_VAR = "HAVEN_REVIEW_IDLE_MINUTES"
# Where imports and locks append the audit head; outside the workspace (review/workspace/heads.py).
HEADS_FILE_VAR = "HAVEN_REVIEW_HEADS_FILE"
DEFAULT_IDLE_MINUTES = 15
MAX_IDLE_MINUTES = 8 * 60
# How often idle sessions are dropped even when no request comes in.
REAP_SECONDS = 30.0
DEFAULT_HOST = "127.0.0.1"


@dataclass(frozen=True)
class ReviewConfig:
    """Everything the review app needs to start."""

    workspace: Path
    idle_seconds: float
    # After a failed unlock, the same identity file waits this long before its
    # next try, doubling per failure (lowered in tests only).
    unlock_delay_seconds: float = 1.0
    # Identity files with a cheaper scrypt work factor are refused (lowered in tests only).
    min_work_factor: int = MIN_WORK_FACTOR
    # 0 turns the background idle reaper off (tests drive the vault's clock instead).
    reap_seconds: float = REAP_SECONDS
    # The loopback address the server binds: its Host header is the one trusted.
    host: str = DEFAULT_HOST
    # Each lock appends the audit log's head here, when set.
    heads_file: Path | None = None


def load_config(environ: Mapping[str, str]) -> ReviewConfig:
    """Build a ReviewConfig from `environ`, naming the variable behind any error."""
    workspace = environ.get(WORKSPACE_VAR, "").strip()
    if not workspace:
        raise ConfigError(f"{WORKSPACE_VAR} must name the workspace directory")
    raw_idle = environ.get(IDLE_VAR, str(DEFAULT_IDLE_MINUTES)).strip()
    try:
        idle = float(raw_idle)
    except ValueError:
        raise ConfigError(f"{IDLE_VAR} must be a number of minutes, not {raw_idle!r}") from None
    if not 0 < idle <= MAX_IDLE_MINUTES:
        raise ConfigError(f"{IDLE_VAR} must be between 0 and {MAX_IDLE_MINUTES} minutes")
    raw_heads = environ.get(HEADS_FILE_VAR, "").strip()
    heads_file = None
    if raw_heads:
        try:
            heads_file = outside_workspace(Path(raw_heads), Path(workspace))
        except ConfigError as error:
            raise ConfigError(f"{HEADS_FILE_VAR}: {error}") from None
    return ReviewConfig(workspace=Path(workspace), idle_seconds=idle * 60, heads_file=heads_file)
