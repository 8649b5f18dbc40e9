"""10,000 dead letters in the store (seeded through SQLite beside one real one): the listing pages
through every one exactly once, newest first, and the total is right. How fast is a benchmark
(benchmarks/dlq_scale.py), not an assertion here."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

from tests.faults.test_replay_faults import Jobs


def ops_database(state: Path) -> Path:
    for path in state.rglob("*.sqlite"):
        with sqlite3.connect(path) as db:
            if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'tova_dead_letters'").fetchone():
                return path
    raise SystemExit("no ops database under " + str(state))


def seed(path: Path, count: int) -> None:
    with sqlite3.connect(path) as db:
        row = db.execute("SELECT queue, dlq, body, content_type, attempts, first_seen, last_seen, error FROM tova_dead_letters").fetchone()
        queue, dlq, body, content_type, attempts, first, last, error = row
        rows = []
        for n in range(count - 1):
            at = last - (n + 1) * 1000
            rows.append((uuid.uuid4().hex, queue, dlq, body.replace('"job_id":"', f'"job_id":"copy{n}-'), content_type,
                         attempts, at, at, f"job copy{n} asked to fail: corrupt image {n}"))
        db.executemany("INSERT INTO tova_dead_letters (id, queue, dlq, body, content_type, attempts, first_seen, last_seen, error, replays)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)", rows)


def test_ten_thousand_dead_letters_page_through_exactly_once(tmp_path):
    jobs = Jobs(tmp_path / "jobs")
    try:
        jobs.start()
        jobs.dead_letters(1, fix=False)
        jobs.stop()
        seed(ops_database(jobs.root / ".tova-out" / "state"), 10_000)
        jobs.start()
        seen: list[str] = []
        times: list[int] = []
        cursor = None
        with jobs.ops() as ops:
            while True:
                page = ops.get("/__tova/dlq", params={"queue": "jobs", "limit": 500, "cursor": cursor}).json()
                assert page["total"] == 10_000
                seen += [m["id"] for m in page["messages"]]
                times += [m["last_seen"] for m in page["messages"]]
                cursor = page["next_cursor"]
                if not cursor:
                    break
        assert len(seen) == len(set(seen)) == 10_000
        assert times == sorted(times, reverse=True)
    finally:
        jobs.stop()
