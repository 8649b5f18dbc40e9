"""Replay never loses or doubles a message (issue 11), checked from outside: examples/jobs on the local
runtime, each job's completed runs and notifications counted straight from its D1 tables.

Rows of the matrix: two replays at once; the process that owns the runtime killed mid-replay (SIGKILL
and SIGHUP); a pass over letters that keep failing; `--all` without a terminal.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from compiler.driver import build
from console.targets.local.runtime import LocalRuntime

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "jobs"
TOVA = [sys.executable, "-m", "console.cli"]


class Jobs:
    """A copy of examples/jobs with its own state, and a runtime on it when one is started."""

    def __init__(self, root: Path) -> None:
        shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".tova-out", ".dev.vars"))
        self.root = root
        self.program = root / "jobs.tova"
        self.manifest = build(self.program).manifest_path
        self.runtime: LocalRuntime | None = None

    def start(self) -> LocalRuntime:
        # the paths the CLI uses, so a `tova dlq replay` subprocess sees the same store
        self.runtime = LocalRuntime(self.manifest, secrets_path=self.root / ".dev.vars", state_dir=self.root / ".tova-out" / "state")
        self.runtime.start()
        self.runtime.wait_healthy()
        return self.runtime

    def stop(self) -> None:
        if self.runtime is not None:
            self.runtime.stop()
            self.runtime = None

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.runtime.urls["api"], timeout=60, headers={"X-API-Key": self.runtime.secret("API_KEY")})

    def ops(self) -> httpx.Client:
        token = self.runtime.secret("TOVA_ADMIN_TOKEN")
        return httpx.Client(base_url=self.runtime.urls["worker"], timeout=120, headers={"Authorization": f"Bearer {token}"})

    def dead_letters(self, count: int, *, fix: bool = True) -> list[str]:
        """`count` jobs that fail into the jobs-dlq store; with `fix`, their input corrected after."""
        with self.api() as api, self.ops() as ops:
            ids = [api.post("/api/jobs", json={"task": f"t{n}", "fail": True, "reason": f"broken {n}"}).json()["job_id"] for n in range(count)]
            wait(lambda: ops.get("/__tova/dlq", params={"queue": "jobs", "limit": 1}).json()["total"] >= count, 300)
            if fix:
                for job_id in ids:
                    assert api.patch(f"/api/jobs/{job_id}", json={"payload": {"task": "fixed"}}).status_code == 200
        return ids

    def outcome(self, ids: list[str]) -> dict:
        """Runs per job and notifications in total, from the jobs' own tables."""
        with self.api() as api:
            runs = {job_id: api.get(f"/api/jobs/{job_id}").json()["runs"] for job_id in ids}
            notified = api.get("/api/stats").json()["notified"]
        return {"runs": runs, "notified": notified,
                "lost": sorted(j for j, n in runs.items() if n == 0), "doubled": sorted(j for j, n in runs.items() if n > 1)}

    def settled(self, ids: list[str], timeout: float = 120) -> dict:
        """Waits until every job ran (or the timeout), then the outcome."""
        deadline = time.monotonic() + timeout
        while True:
            result = self.outcome(ids)
            if not result["lost"] or time.monotonic() > deadline:
                time.sleep(1.0)  # a duplicate would arrive just behind the first run
                return self.outcome(ids)
            time.sleep(0.25)

    def cli(self, *args: str, **kwargs) -> subprocess.Popen:
        return subprocess.Popen(
            [*TOVA, "dlq", *args, str(self.program)], cwd=ROOT, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
            env={**os.environ, "NO_COLOR": "1"}, **kwargs,
        )


def wait(probe, timeout: float, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while not (value := probe()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s")
        time.sleep(interval)
    return value


@pytest.fixture
def jobs(tmp_path):
    project = Jobs(tmp_path / "jobs")
    yield project
    project.stop()


def test_two_replays_at_once_send_each_letter_once(jobs):
    jobs.start()
    ids = jobs.dead_letters(24)
    answers: list[dict] = []

    def replay() -> None:
        with jobs.ops() as ops:
            answers.append(ops.post("/__tova/dlq/replay", json={"all": True, "queue": "jobs", "rate": 40}).json())

    threads = [threading.Thread(target=replay) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    replayed = [i for answer in answers for i in answer["replayed"]]
    assert len(replayed) == len(set(replayed)) == 24, answers
    assert sum(len(a["skipped"]) for a in answers) >= 1, "the two replays should have met"
    result = jobs.settled(ids)
    assert (result["lost"], result["doubled"]) == ([], []), result
    assert result["notified"] == 24
    with jobs.ops() as ops:
        wait(lambda: ops.get("/__tova/dlq", params={"queue": "jobs", "limit": 1}).json()["total"] == 0, 60)


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGHUP], ids=["SIGKILL", "SIGHUP"])
def test_killing_the_replaying_process_loses_nothing(jobs, how):
    jobs.start()
    ids = jobs.dead_letters(20)
    jobs.stop()  # the CLI below owns the runtime, as when no `tova dev` runs

    # At the highest rate every letter is on the queue within a few milliseconds, and the consumer
    # (one job per batch) is still working through them when the kill lands: the worst moment, when
    # the messages exist only in the dying runtime's memory.
    first = jobs.cli("replay", "--all", "--yes", "--rate", "1000")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and first.poll() is None:
        if "replayed" in first.stderr.readline():
            break
    os.killpg(first.pid, how)
    first.wait(timeout=60)
    time.sleep(1.0)  # its runner notices the closed stdin and stops workerd

    second = jobs.cli("replay", "--all", "--yes", "--rate", "100")
    out, errors = second.communicate(timeout=300)
    assert second.returncode == 0, out + errors

    jobs.start()
    result = jobs.settled(ids)
    assert result["lost"] == [], result
    # At-least-once, as on the platform: a kill while a handler runs (its effect written, its ack not
    # yet) repeats that one message after the restart. Nothing else may run twice.
    assert len(result["doubled"]) <= 1, result
    with jobs.ops() as ops:
        assert ops.get("/__tova/dlq", params={"queue": "jobs", "limit": 1}).json()["total"] == 0


def test_one_pass_replays_each_failing_letter_once(jobs):
    from console.actions.dead_letters import replay_all
    from console.ops_client import OpsClient
    import asyncio

    jobs.start()
    ids = jobs.dead_letters(12, fix=False)  # they will die again
    runtime = jobs.runtime

    async def one_pass():
        async with httpx.AsyncClient() as http:
            ops = OpsClient(http, "worker", runtime.urls["worker"], runtime.secret("TOVA_ADMIN_TOKEN"))
            return await replay_all(ops, rate=50, queue="jobs")

    result = asyncio.run(one_pass())
    assert len(result.replayed) == len(set(result.replayed)) == 12, result
    with jobs.ops() as ops:
        def died_again():
            page = ops.get("/__tova/dlq", params={"queue": "jobs", "limit": 100}).json()
            return page["total"] == 12 and all(m["replays"] == 1 and m["state"] == "stored" for m in page["messages"]) and page
        page = wait(died_again, 120)
    assert {m["body"]["job_id"] for m in page["messages"]} == set(ids)
    assert all(m["error"].startswith("job ") and "asked to fail" in m["error"] for m in page["messages"])


def test_replay_all_without_a_terminal_needs_yes(jobs):
    jobs.start()
    jobs.dead_letters(2)
    jobs.stop()
    refused = jobs.cli("replay", "--all")
    out, errors = refused.communicate(timeout=300)
    assert refused.returncode == 2, out + errors
    assert "pass --yes" in errors
    jobs.start()
    with jobs.ops() as ops:
        assert ops.get("/__tova/dlq", params={"queue": "jobs", "limit": 1}).json()["total"] == 2


def test_bad_bodies_are_the_clients_fault_and_the_store_is_private(jobs):
    jobs.start()
    with jobs.api() as api:
        malformed = api.post("/api/jobs", content=b'{"task": ', headers={"Content-Type": "application/json"})
        assert malformed.status_code == 400, malformed.text
        assert "not valid JSON" in malformed.json()["error"]
        huge = api.post("/api/jobs", json={"task": "x" * (10 * 1024 * 1024)})
        assert huge.status_code == 413, huge.text[:200]
        assert api.post("/api/jobs", json={"task": "fine"}).status_code == 202
    jobs.dead_letters(1)
    state = jobs.root / ".tova-out" / "state"
    for path in [state, *state.rglob("*")]:
        mode = path.stat().st_mode & 0o777
        if path.is_dir():
            assert mode == 0o700, f"{path}: {oct(mode)}"
        elif path.is_file():
            assert mode & 0o077 == 0, f"{path}: {oct(mode)}"
