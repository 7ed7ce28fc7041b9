"""bagit-python's bag making, run in a child process of its own.

`bagit.make_bag` and `Bag.save` change the process's working directory while
they run. In `haven review serve` other threads answer requests meanwhile, and
a workspace given as a relative path would be looked up inside the package
being built (SQLite would even create an empty database there). A spawned
child has its own working directory, so the change reaches no one else. Only
payload paths and bag-info fields cross to it; no key does.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import bagit


def make_bag_apart(staging: Path, info: Mapping[str, str], tag_files: Mapping[str, str]) -> None:
    """Make `staging` a bag with `info` and the extra `tag_files`, in a child process."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as child:
        child.submit(_make_bag, str(staging.absolute()), dict(info), dict(tag_files)).result()


def _make_bag(staging: str, info: dict[str, str], tag_files: dict[str, str]) -> None:
    # bagit moves everything in `staging` into data/ and writes both manifests.
    bag = bagit.make_bag(staging, info, checksums=["sha256"], processes=1)
    for name, text in tag_files.items():
        (Path(staging) / name).write_text(text, encoding="utf-8")
    # Rewrites bag-info.txt and the tag manifest (now listing the extra tag files),
    # without hashing the payload again.
    bag.save(manifests=False)
