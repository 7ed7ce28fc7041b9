"""Benchmark: a right and a wrong receipt code's check-back, and check-backs beside submissions.

Runs intake's app in process (Flask's test client, production Argon2id cost,
a temporary SQLite data directory) and prints:

- the time of a right code's and a wrong code's check-back (median and
  interquartile range over --tries each, interleaved) and their ratio: the
  one generic answer must take the same time as a right one;
- check-back throughput with --threads clients checking back while one
  reporter submits, and how long those submissions took.

    python bench/checkback_timing.py [--tries 40] [--threads 8] [--seconds 10]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keys
import keys.signing
from intake import create_app
from intake.config import load_config
from keys.receipt import generate_receipt_code
from tests.intake.checkback import check_back
from tests.intake.datadir import prepare_data_dir
from tests.intake.reply_bundles import ReplyBundle, deliver, reply_recipient, submit_report
from tests.intake.storage import engine_of, submissions


def quartiles(samples: list[float]) -> tuple[float, float, float]:
    q1, median, q3 = statistics.quantiles(samples, n=4)
    return q1, median, q3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tries", type=int, default=40)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = prepare_data_dir(
            Path(scratch) / "data", [str(keys.X25519Identity.generate().recipient())]
        )
        config = dataclasses.replace(
            load_config({"HAVEN_DATA_DIR": str(data_dir), "HAVEN_PLAIN_HTTP": "1"}),
            checkbacks_per_minute=10**9,  # measure Argon2, not the ceiling
        )
        app = create_app(config)
        client = app.test_client()
        code = submit_report(client)
        (case,) = submissions(engine_of(app))
        bundle = ReplyBundle(keys.signing.SigningKey.generate())
        for number in range(3):  # a case with a few replies to decrypt
            bundle.add(
                reply_recipient(engine_of(app), case),
                case,
                status="reading",
                text=f"reply {number}",
            )
        deliver(engine_of(app), data_dir, bundle, Path(scratch) / "replies.tar")

        right: list[float] = []
        wrong: list[float] = []
        for _ in range(args.tries):
            for samples, attempt in ((right, code), (wrong, generate_receipt_code())):
                started = time.perf_counter()
                page = check_back(client, attempt)
                samples.append(time.perf_counter() - started)
                assert page.status_code == 200
        for name, samples in (("right code", right), ("wrong code", wrong)):
            q1, median, q3 = quartiles(samples)
            print(f"{name}: median {median * 1000:.1f} ms, IQR {q1 * 1000:.1f}-{q3 * 1000:.1f} ms")
        ratio = statistics.median(right) / statistics.median(wrong)
        print(f"ratio right/wrong (medians): {ratio:.3f}")

        stop = threading.Event()
        counts = [0] * args.threads
        busy = [0] * args.threads

        def checking(index: int) -> None:
            own = app.test_client()
            while not stop.is_set():
                status = check_back(own, generate_receipt_code()).status_code
                counts[index] += status == 200
                busy[index] += status == 429

        submit_times: list[float] = []

        def submitting() -> None:
            own = app.test_client()
            while not stop.is_set():
                started = time.perf_counter()
                submit_report(own)
                submit_times.append(time.perf_counter() - started)

        workers = [threading.Thread(target=checking, args=(i,)) for i in range(args.threads)]
        workers.append(threading.Thread(target=submitting))
        for worker in workers:
            worker.start()
        time.sleep(args.seconds)
        stop.set()
        for worker in workers:
            worker.join()
        print(
            f"{args.threads} threads checking back beside one submitting, {args.seconds:.0f} s: "
            f"{sum(counts) / args.seconds:.1f} check-backs/s, {sum(busy)} answered busy; "
            f"{len(submit_times)} submissions, "
            f"median {statistics.median(submit_times) * 1000:.0f} ms, "
            f"max {max(submit_times) * 1000:.0f} ms"
        )
        engine_of(app).dispose()


if __name__ == "__main__":
    main()
