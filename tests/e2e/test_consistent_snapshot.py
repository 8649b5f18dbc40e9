"""One poll is one consistent picture: a message its consumer gives up on is counted as dead by its
queue and listed in the dead-letter table in the same poll ("arriving" until its DLQ's consumer stores
it), never "dead 3" beside "No dead letters" for the seconds the DLQ takes to batch (issue 14)."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

import httpx

from console.project import Project
from console.session import Session, create_target

ROOT = Path(__file__).resolve().parents[2]


async def test_every_poll_lists_at_least_the_letters_its_queue_counts_as_dead(tmp_path):
    shutil.copytree(ROOT / "examples" / "jobs", tmp_path / "jobs", ignore=shutil.ignore_patterns(".tova-out", ".dev.vars"))
    project = Project.load(tmp_path / "jobs" / "jobs.tova")
    session = Session(project, create_target("local", project))
    await session.start(lambda _: None)
    try:
        api = session.target.worker_urls()["api"]
        async with httpx.AsyncClient(base_url=api, headers={"X-API-Key": session.target.secret("API_KEY")}, timeout=10) as client:
            for n in range(3):
                await client.post("/api/jobs", json={"task": "resize", "fail": True, "reason": f"corrupt image {n}"})
        seen_states: set[str] = set()
        deadline = time.monotonic() + 120  # bounds a broken runtime, not a speed assertion
        while True:
            snapshot = await session.poll()
            jobs = next(q for q in snapshot.queues if q.name == "jobs")
            # the store is never purged here, so what the counter counts must be listed
            assert (jobs.dead_lettered or 0) <= snapshot.dead_letter_total, (jobs, snapshot.dead_letters)
            seen_states |= {d.state for d in snapshot.dead_letters}
            if snapshot.dead_letter_total == 3 and all(d.state == "stored" for d in snapshot.dead_letters):
                break
            assert time.monotonic() < deadline, f"never settled: {snapshot.dead_letters}"
            await asyncio.sleep(0.1)
        assert all("asked to fail: corrupt image" in d.error for d in snapshot.dead_letters)
        assert seen_states <= {"arriving", "stored"}
    finally:
        await session.stop()


def test_a_letter_still_arriving_when_the_local_runtime_stopped_is_stored_at_the_next_start(tmp_path):
    """Local queues live in memory: a message given up on whose DLQ had not stored it yet dies with the
    runtime. Its arriving entry (body, attempts, error) survives in D1 and is stored at the next start."""
    import sqlite3

    from compiler.driver import build
    from console.targets.local.runtime import LocalRuntime

    root = tmp_path / "jobs"
    shutil.copytree(ROOT / "examples" / "jobs", root, ignore=shutil.ignore_patterns(".tova-out", ".dev.vars"))
    manifest, state = build(root / "jobs.tova").manifest_path, root / ".tova-out" / "state"

    def runtime() -> LocalRuntime:
        rt = LocalRuntime(manifest, secrets_path=root / ".dev.vars", state_dir=state)
        rt.start()
        rt.wait_healthy()
        return rt

    def letters(rt: LocalRuntime) -> list[dict]:
        ops = {"Authorization": f"Bearer {rt.secret('TOVA_ADMIN_TOKEN')}"}
        return httpx.get(rt.urls["worker"] + "/__tova/dlq", headers=ops, params={"arriving": "1"}, timeout=30).json()["messages"]

    rt = runtime()
    try:
        with httpx.Client(base_url=rt.urls["api"], headers={"X-API-Key": rt.secret("API_KEY")}, timeout=30) as api:
            job_id = api.post("/api/jobs", json={"task": "x", "fail": True, "reason": "lost in memory"}).json()["job_id"]
        deadline = time.monotonic() + 120
        while not [m for m in letters(rt) if m["state"] == "stored"]:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        (stored,) = letters(rt)
    finally:
        rt.stop()

    # as if the runtime had stopped between the give-up and the DLQ's store: the letter only arriving
    (db_file,) = [f for f in state.rglob("*.sqlite")
                  if sqlite3.connect(f).execute("SELECT 1 FROM sqlite_master WHERE name = 'tova_arriving'").fetchone()]
    with sqlite3.connect(db_file) as db:
        row = db.execute("SELECT id, queue, dlq, body, content_type, attempts, first_seen, last_seen FROM tova_dead_letters").fetchone()
        db.execute("DELETE FROM tova_dead_letters")
        db.execute("INSERT INTO tova_failures (id, queue, fingerprint, attempts, error, first_seen, last_seen) "
                   "VALUES (?, ?, 'fp', ?, ?, ?, ?)", (row[0], row[1], row[5], stored["error"], row[6], row[7]))
        db.execute("INSERT INTO tova_arriving (id, queue, dlq, fingerprint, body, content_type, attempts, error, "
                   "first_seen, last_seen, boot) VALUES (?, ?, ?, 'fp', ?, ?, ?, ?, ?, ?, 'an-earlier-boot')",
                   (*row[:6], stored["error"], row[6], row[7]))

    rt = runtime()
    try:
        (again,) = letters(rt)
        assert (again["id"], again["state"], again["attempts"]) == (stored["id"], "stored", 4)
        assert again["error"] == f"job {job_id} asked to fail: lost in memory" and again["body"] == {"job_id": job_id}
    finally:
        rt.stop()
