"""The coverage-guided fuzz targets (bench/fuzz/) run, at a small budget, and find nothing.

By hand they run for minutes (`python bench/fuzz/fuzz_age_header.py --seconds 300`);
here each runs a few hundred inputs from its seeds, so that a target broken by
a change of the code it drives, or a finding in its first steps, fails the suite.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import require

FUZZ_DIR = Path(__file__).resolve().parents[1] / "bench" / "fuzz"
RUNS = 400


@pytest.mark.parametrize("script", ["fuzz_age_header.py", "fuzz_bundle_reader.py"])
def test_fuzz_target_runs_clean(script: str, tmp_path: Path) -> None:
    require(importlib.util.find_spec("atheris") is not None,
            "atheris is not installed (pip install -e '.[test]')")
    corpus, findings = tmp_path / "corpus", tmp_path / "findings"
    done = subprocess.run(
        [sys.executable, str(FUZZ_DIR / script), "--runs", str(RUNS),
         "--corpus", str(corpus), "--artifacts", str(findings)],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert f"Done {RUNS} runs" in done.stderr
    assert any(corpus.iterdir()), "no seeds were written"
    assert not any(findings.iterdir())
