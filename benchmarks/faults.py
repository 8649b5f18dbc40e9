"""The replay rows of the fault matrix (docs/reliability.md), measured: examples/jobs on the local runtime,
every job's completed runs and notifications counted from its own D1 tables.

Scenarios: one replay at the default rate (50/s) and at 500/s; two replays at once; the process that
owns the runtime killed (SIGKILL, SIGHUP) right after sending, then a second replay. For each: letters,
replayed, lost (a job that never completed), duplicated (a job completed more than once), seconds
and messages per second. Prints a Markdown table for docs/reliability.md and benchmarks/README.md.

    .venv/bin/python benchmarks/faults.py [--count 200]
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.faults.test_replay_faults import Jobs, wait  # noqa: E402  (the tests' own harness, not a copy)


def replay_once(jobs: Jobs, rate: float, parallel: int = 1) -> tuple[list[str], float]:
    answers: list[dict] = []

    def replay() -> None:
        with jobs.ops() as ops:
            before = None
            while True:
                body = {"all": True, "queue": "jobs", "rate": rate}
                if before is not None:
                    body["before"] = before
                answer = ops.post("/__tova/dlq/replay", json=body).json()
                answers.append(answer)
                before = answer["before"]
                if not answer["replayed"] or answer["remaining"] == 0:
                    return

    started = time.monotonic()
    threads = [threading.Thread(target=replay) for _ in range(parallel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [i for a in answers for i in a["replayed"]], time.monotonic() - started


def scenario(name: str, count: int, body) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        jobs = Jobs(Path(tmp) / "jobs")
        try:
            jobs.start()
            ids = jobs.dead_letters(count)
            replayed, seconds = body(jobs)
            if jobs.runtime is None:
                jobs.start()
            result = jobs.settled(ids, timeout=600)
            return {
                "scenario": name, "letters": count, "replayed": len(set(replayed)) if replayed is not None else "-",
                "lost": len(result["lost"]), "duplicated": len(result["doubled"]),
                "notifications": result["notified"], "seconds": seconds,
                "rate": (len(set(replayed)) / seconds) if replayed and seconds else None,
            }
        finally:
            jobs.stop()


def killed(how: signal.Signals):
    def body(jobs: Jobs):
        jobs.stop()
        started = time.monotonic()
        first = jobs.cli("replay", "--all", "--yes", "--rate", "1000")
        while first.poll() is None and "replayed" not in first.stderr.readline():
            pass
        os.killpg(first.pid, how)
        first.wait(timeout=60)
        time.sleep(1.0)
        second = jobs.cli("replay", "--all", "--yes", "--rate", "500")
        out, errors = second.communicate(timeout=600)
        if second.returncode != 0:
            raise SystemExit(out + errors)
        return None, time.monotonic() - started

    return body


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    n = args.count
    rows = [
        scenario("one replay at 50/s (default)", n, lambda jobs: replay_once(jobs, 50)),
        scenario("one replay at 500/s", n, lambda jobs: replay_once(jobs, 500)),
        scenario("two replays at once, 500/s each", n, lambda jobs: replay_once(jobs, 500, parallel=2)),
        scenario("owner killed with SIGKILL after sending, replayed again", n, killed(signal.SIGKILL)),
        scenario("owner killed with SIGHUP after sending, replayed again", n, killed(signal.SIGHUP)),
    ]
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}\n")
    print("| scenario | letters | replayed | lost | duplicated | notifications | time | msgs/s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        rate = f"{row['rate']:.0f}" if row["rate"] else "-"
        print(f"| {row['scenario']} | {row['letters']} | {row['replayed']} | {row['lost']} | {row['duplicated']} | "
              f"{row['notifications']} | {row['seconds']:.1f} s | {rate} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
