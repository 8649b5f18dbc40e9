"""The CLI twins on the real local runtime: `tova status --json` on both examples, and on the jobs
example a poisoned job that dies, shows up in `status` and `dlq list` with its error, is replayed with
`tova dlq replay` (and dies again: replay loses nothing), and `tova cron run`.

Each project is copied to a temporary folder so its build output, state and .dev.vars stay out of the
repo and out of other tests' way. Each CLI call starts and stops its own runtime, as a user's would.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from console.project import Project
from console.session import Session, create_target

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def tova(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "console.cli", *args], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)


def copy_example(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    folder = tmp_path_factory.mktemp(name)
    shutil.copytree(EXAMPLES / name, folder, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(".tova-out", ".dev.vars", ".wrangler"))
    return folder / f"{name}.tova"


def status_json(source: Path) -> tuple[int, dict]:
    result = tova("status", str(source), "--json", "--quiet")
    assert result.stdout.strip(), result.stderr
    return result.returncode, json.loads(result.stdout)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory) -> Path:
    return copy_example(tmp_path_factory, "pipeline")


def test_status_json_on_the_pipeline(pipeline):
    code, data = status_json(pipeline)
    assert data["project"] == "pipeline" and data["target"] == "local"
    assert [s for s in data["sources"] if not s["ok"]] == []
    assert code == 0
    assert {w["block"]: w["health"] for w in data["workers"]} == {"api": "ok", "processor": "ok"}
    api = next(w for w in data["workers"] if w["block"] == "api")
    assert {c["name"] for c in api["checks"]} >= {"memory"}
    # /api/stats is behind the seed's X-API-Key middleware: numbers here mean tova.toml's ${API_KEY} worked
    stats = {s["key"]: s["value"] for s in data["stats"] if s["endpoint"] == "api /api/stats"}
    assert set(stats) == {"total", "processed", "pending", "failed"}
    assert [q["name"] for q in data["queues"]] == ["process-queue"]
    assert data["queues"][0]["backlog_count"] == 0
    (cron,) = data["crons"]
    assert cron["name"] == "daily-report" and cron["next_run"] > data["taken_at"]
    secrets = (pipeline.parent / ".dev.vars").read_text()
    for line in secrets.splitlines():
        if "=" in line and not line.startswith("#"):
            assert line.split("=", 1)[1].strip().strip('"') not in json.dumps(data)


def test_status_of_a_program_that_does_not_compile(tmp_path):
    bad = tmp_path / "bad.tova"
    bad.write_text('edge "api" {\n  route GET "/x" => fn(req) { nope_unknown }\n}\n')
    result = tova("status", str(bad), "--json")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "bad.tova:2:" in result.stderr and "^" in result.stderr


# ── jobs: a poisoned job, the dead-letter store, replay, cron ──────────────────────────────────────

POISON = {"task": "resize", "fail": True, "reason": "corrupt image"}


async def _with_session(source: Path, body):
    project = Project.load(source)
    session = Session(project, create_target("local", project))
    await session.start(lambda _: None)
    try:
        key = session.target.secret("API_KEY")
        api = session.target.worker_urls()["api"]
        async with httpx.AsyncClient(base_url=api, headers={"X-API-Key": key}, timeout=10) as client:
            return await body(session, client)
    finally:
        await session.stop()


async def _until(probe, timeout: float = 60.0):
    deadline = time.monotonic() + timeout  # bounds a broken runtime, not a speed assertion
    while not (value := await probe()):
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.2)
    return value


@pytest.fixture(scope="module")
def jobs(tmp_path_factory) -> tuple[Path, str]:
    """The jobs example with one poisoned job dead in the store (and one good job completed)."""
    source = copy_example(tmp_path_factory, "jobs")

    async def poison(session: Session, client: httpx.AsyncClient) -> str:
        job_id = (await client.post("/api/jobs", json=POISON)).json()["job_id"]
        await client.post("/api/jobs", json={"task": "fine"})

        async def dead():
            snapshot = await session.poll()
            return (snapshot.dead_letter_total == 1 and all(d.state == "stored" for d in snapshot.dead_letters)
                    and not any(q.backlog_count for q in snapshot.queues))

        await _until(dead)
        return job_id

    return source, asyncio.run(_with_session(source, poison))


def dlq_list(source: Path) -> dict:
    result = tova("dlq", "list", str(source), "--json", "--quiet")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_status_shows_the_poisoned_job_with_its_error(jobs):
    source, job_id = jobs
    code, data = status_json(source)
    assert code == 0, data["sources"]  # a dead letter is "degraded", not a failed poll
    assert data["status"] == "degraded"
    assert data["dead_letter_total"] == 1
    (dead,) = data["dead_letters"]
    assert dead["queue"] == "jobs" and dead["dlq"] == "jobs-dlq"
    assert dead["body"] == {"job_id": job_id}
    assert dead["error"] == f"job {job_id} asked to fail: corrupt image"
    assert dead["attempts"] == 4  # the first try and max_retries: 3
    queue = next(q for q in data["queues"] if q["name"] == "jobs")
    assert queue["dead_lettered"] == 1 and queue["acked"] == 1 and queue["dead_letter_queue"] == "jobs-dlq"
    stats = {s["key"]: s["value"] for s in data["stats"]}
    assert (stats["total"], stats["completed"], stats["failed"]) == (2, 1, 1)


def test_purge_without_a_terminal_refuses_and_keeps_everything(jobs):
    source, _ = jobs
    result = tova("dlq", "purge", str(source), "--all", "--quiet")
    assert result.returncode == 2 and "--yes" in result.stderr
    # (the next test lists the store and finds the message still there)


def test_replay_of_a_still_failing_job_brings_it_back_not_loses_it(jobs):
    source, job_id = jobs
    (before,) = dlq_list(source)["messages"]
    result = tova("dlq", "replay", str(source), "--ids", before["id"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "replayed 1, failed 0" in result.stdout
    listing = dlq_list(source)
    assert listing["total"] == 1
    (again,) = listing["messages"]
    assert again["body"] == {"job_id": job_id} and again["replays"] == 1
    assert again["last_seen"] > before["last_seen"]


def test_replay_after_fixing_the_input_completes_the_job(jobs):
    # the console's path (one session, as the dashboard holds it): fix the input, replay, job completes
    source, job_id = jobs

    async def fix_and_replay(session: Session, client: httpx.AsyncClient):
        answer = await client.patch(f"/api/jobs/{job_id}", json={"payload": {"task": "resize"}})
        assert answer.status_code == 200, answer.text
        baseline = await session.poll()
        seen = []
        result = await session.replay(all=True, progress=lambda done, total: seen.append((done, total)))
        assert (result.count, result.failed, result.remaining) == (1, [], 0) and seen[-1] == (1, 1)
        assert await session.settle(60, baseline=baseline, replayed=1, since=time.time() - 1)
        job = (await client.get(f"/api/jobs/{job_id}")).json()
        return job, await session.poll()

    job, snapshot = asyncio.run(_with_session(source, fix_and_replay))
    assert job["status"] == "completed" and job["result"] == "processed resize"
    assert snapshot.dead_letter_total == 0
    jobs_queue = next(q for q in snapshot.queues if q.name == "jobs")
    assert jobs_queue.acked == 2  # the good job at the start, and now the replayed one


def test_cron_run_now_and_its_record(jobs):
    source, _ = jobs
    result = tova("cron", "run", str(source), "sweep-stale")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("sweep-stale: ok")
    listing = tova("cron", "list", str(source), "--quiet")
    assert listing.returncode == 0, listing.stderr
    assert "sweep-stale" in listing.stdout and "manual" in listing.stdout
    unknown = tova("cron", "run", str(source), "nope", "--quiet")
    assert unknown.returncode == 1 and "no cron named 'nope' in jobs (crons: daily-report, sweep-stale)" in unknown.stderr
