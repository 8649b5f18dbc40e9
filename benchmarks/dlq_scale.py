"""10,000 dead letters: how fast the store answers and what the console costs (issue 11's scale row).

examples/jobs on the local runtime. One letter dies for real (so the store's tables and the DLQ path
are the real ones); the runtime is stopped and 9,999 copies with their own ids and times are written
into its D1 file with sqlite3; then, with the runtime running again:

- the first `/__tova/dlq` page (100 rows) and a walk through every page, over HTTP;
- `tova dlq list FILE --limit 100` as a user runs it (attached to the running runtime), wall time;
- the console (headless, Textual's run_test) until its dead-letter table shows rows, then paged with `]`
  to the second page and on to the last, and its RSS.

Goals: first page and `tova dlq list` ≤ 1 s, the console's table ≤ 1 s after its first poll, console
RSS ≤ 120 MB. Prints a Markdown table for benchmarks/README.md.

    .venv/bin/python benchmarks/dlq_scale.py [--count 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.faults.test_replay_faults import Jobs  # noqa: E402
from tests.faults.test_store_scale import ops_database, seed  # noqa: E402


def console_open(program: Path) -> tuple[float, float, float, float, int]:
    """(seconds to the first poll, from it to a filled dead-letter table, `]` to the second page shown,
    `]` from the second-to-last page to the last one (each store page read on the way), max RSS MB)."""
    from console.commands.console_cmd import make_opener
    from console.ui.app import ConsoleApp
    from console.ui.config import ConsoleConfig
    from console.ui.widgets.dead_letter_table import DeadLetterTable

    app = ConsoleApp(make_opener(program, "local", True), ConsoleConfig(interval=2.0, read_only=True))

    async def run() -> tuple[float, float]:
        started = time.monotonic()
        async with app.run_test(size=(120, 40)) as pilot:
            while app.snapshot is None:
                await pilot.pause(0.02)
            polled = time.monotonic()
            table = app.dashboard.query_one(DeadLetterTable)
            while table.row_count == 0:
                await pilot.pause(0.02)
            filled = time.monotonic() - polled

            async def older() -> float:
                index = app.dashboard.older_page.index if app.dashboard.older_page else 0
                asked = time.monotonic()
                await pilot.press("right_square_bracket")
                while (app.dashboard.older_page.index if app.dashboard.older_page else 0) == index:
                    await pilot.pause(0.01)
                return time.monotonic() - asked

            second = await older()
            while app.dashboard.older_page.index + 2 < app.dashboard.older_page.pages:
                await older()
            last = await older()
            return polled - started, filled, second, last

    times = asyncio.run(run())
    return (*times, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        jobs = Jobs(Path(tmp) / "jobs")
        try:
            jobs.start()
            jobs.dead_letters(1, fix=False)
            jobs.stop()
            seed(ops_database(jobs.root / ".tova-out" / "state"), args.count)
            jobs.start()
            with jobs.ops() as ops:
                started = time.monotonic()
                page = ops.get("/__tova/dlq", params={"queue": "jobs", "limit": 100}).json()
                rows.append(("first `/__tova/dlq` page (100 rows)", time.monotonic() - started, 1.0))
                assert page["total"] == args.count, page["total"]
                started = time.monotonic()
                seen, cursor = 0, None
                while True:
                    page = ops.get("/__tova/dlq", params={"queue": "jobs", "limit": 500, "cursor": cursor}).json()
                    seen += len(page["messages"])
                    cursor = page["next_cursor"]
                    if not cursor:
                        break
                assert seen == args.count, seen
                rows.append((f"every page, 500 at a time ({seen:,} rows)", time.monotonic() - started, None))
            started = time.monotonic()
            listed = subprocess.run([sys.executable, "-m", "console.cli", "dlq", "list", str(jobs.program), "--limit", "100"],
                                    cwd=ROOT, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
            assert listed.returncode == 0 and f"100 of {args.count:,}".replace(",", "") in listed.stdout.replace(",", ""), listed.stdout[-300:] + listed.stderr
            rows.append(("`tova dlq list --limit 100` (CLI, attached)", time.monotonic() - started, 1.0))
            first, filled, second, last, rss = console_open(jobs.program)
            rows.append(("console: start to first poll (attached)", first, None))
            rows.append(("console: first poll to a filled dead-letter table", filled, 1.0))
            rows.append(("console: `]` to the second page of the table", second, 1.0))
            rows.append(("console: `]` to the last page (each page on the way read once)", last, 1.0))
        finally:
            jobs.stop()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}, {args.count:,} dead letters\n")
    print("| measurement | time | goal |")
    print("|---|---:|---:|")
    for name, seconds, goal in rows:
        verdict = "-" if goal is None else f"≤ {goal:g} s ({'ok' if seconds <= goal else 'over'})"
        print(f"| {name} | {seconds * 1000:,.0f} ms | {verdict} |")
    print(f"| console RSS (max, headless, 120x40) | {rss} MB | ≤ 120 MB ({'ok' if rss <= 120 else 'over'}) |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
