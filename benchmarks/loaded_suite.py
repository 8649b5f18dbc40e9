"""The e2e suite on a busy machine (issue 11, item 7): N runs in a row beside K CPU-bound busy loops.

The suite starts real workerd many times; on a loaded 2-core machine that is where timeouts and
port races show up. Each run's outcome, duration and the load average are printed as a Markdown table
for docs/reliability.md.

    .venv/bin/python benchmarks/loaded_suite.py [--runs 5] [--loops 2] [-- extra pytest args]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUSY = "while True: pass"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--loops", type=int, default=2)
    parser.add_argument("--logs", default="/tmp", help="where a failing run's whole output goes")
    parser.add_argument("pytest_args", nargs="*", default=["-m", "e2e"])
    args = parser.parse_args()
    loops = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(args.loops)]
    rows = []
    try:
        for run in range(1, args.runs + 1):
            started = time.monotonic()
            done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args.pytest_args],
                                  cwd=ROOT, capture_output=True, text=True, stdin=subprocess.DEVNULL)
            summary = next((line for line in reversed(done.stdout.splitlines()) if re.search(r"\d+ (passed|failed)", line)),
                           done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "no output")
            failures = [line for line in done.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
            if done.returncode:
                log = Path(args.logs) / f"loaded-run-{run}.log"
                log.write_text(done.stdout + done.stderr)
                failures.append(f"(the whole output: {log})")
            rows.append((run, done.returncode, time.monotonic() - started, os.getloadavg()[0], summary.strip("= "), failures))
            print(f"run {run}: exit {done.returncode}, {rows[-1][2]:.0f} s, load {rows[-1][3]:.1f}: {rows[-1][4]}", flush=True)
            for line in failures:
                print("   ", line, flush=True)
    finally:
        for loop in loops:
            loop.kill()
    print(f"\n{os.cpu_count()} cores, {args.loops} busy loops, pytest {' '.join(args.pytest_args)}\n")
    print("| run | result | time | load average (1 min, at the end) |")
    print("|---:|---|---:|---:|")
    for run, code, seconds, load, summary, _ in rows:
        print(f"| {run} | {summary} | {seconds / 60:.1f} min | {load:.1f} |")
    return 0 if all(code == 0 for _, code, *_ in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
