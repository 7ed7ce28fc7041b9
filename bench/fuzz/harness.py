"""Running a coverage-guided (atheris, libFuzzer) fuzz target for a bounded time.

Shared by the scripts beside it. Each script names a target (one input in,
nothing out; any exception but the ones it allows is a finding) and a
function that writes valid seed inputs; this module writes the seeds into
the corpus directory once, then hands libFuzzer the corpus and the bounds.

    python bench/fuzz/fuzz_age_header.py                 # 60 seconds
    python bench/fuzz/fuzz_age_header.py --seconds 300
    python bench/fuzz/fuzz_age_header.py --runs 2000     # a fixed number of inputs (CI)

Findings (an input and its traceback) are written to --artifacts, by default
bench/.cache/fuzz/<target>/findings/; the corpus grows in
bench/.cache/fuzz/<target>/corpus/. Exit status 0 means nothing was found.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import atheris

CACHE = Path(__file__).resolve().parents[1] / ".cache" / "fuzz"
# libFuzzer's default is 4096; our valid seeds are larger (a two-chunk age file,
# a bundle of several), and the edits worth making are of valid inputs.
MAX_INPUT_BYTES = 160 * 1024


def run(name: str, target: Callable[[bytes], None], seeds: Callable[[], Iterable[bytes]]) -> None:
    """Fuzz `target` under the command line's bounds; libFuzzer exits the process."""
    parser = argparse.ArgumentParser(description=f"Coverage-guided fuzzing of {name}.")
    bounds = parser.add_mutually_exclusive_group()
    bounds.add_argument("--seconds", type=int, default=60, help="total time (default 60)")
    bounds.add_argument("--runs", type=int, help="number of inputs instead of a time")
    parser.add_argument("--corpus", type=Path, default=CACHE / name / "corpus")
    parser.add_argument("--artifacts", type=Path, default=CACHE / name / "findings")
    args, libfuzzer_flags = parser.parse_known_args()
    args.corpus.mkdir(parents=True, exist_ok=True)
    args.artifacts.mkdir(parents=True, exist_ok=True)
    for seed in seeds():
        (args.corpus / f"seed-{hashlib.sha256(seed).hexdigest()[:16]}").write_bytes(seed)
    bound = f"-runs={args.runs}" if args.runs is not None else f"-max_total_time={args.seconds}"
    argv = [
        sys.argv[0],
        bound,
        f"-max_len={MAX_INPUT_BYTES}",
        f"-artifact_prefix={args.artifacts}/",
        "-print_final_stats=1",
        *libfuzzer_flags,
        str(args.corpus),
    ]
    atheris.Setup(argv, target)
    atheris.Fuzz()
