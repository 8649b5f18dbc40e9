"""examples/jobs/jobs.tova compiled and run on the local runtime: the dead-letter store end to end.

The API worker (`api`) takes jobs; the `worker` block consumes them and serves the jobs-dlq store, so
the dead-letter admin routes are asked of `worker`.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import httpx
import pytest

from compiler.driver import build
from console.targets.local.runtime import LocalRuntime

from .harness import admin, memory_backed_dir, wait_for

pytestmark = pytest.mark.e2e

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "jobs"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    # A copy, so the test never writes .tova-out/ or .dev.vars into the repository's example.
    root = tmp_path_factory.mktemp("jobs") / "jobs"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".tova-out", ".dev.vars"))
    result = build(root / "jobs.tova")
    with memory_backed_dir("tova-jobs-state-") as state:
        runtime = LocalRuntime(result.manifest_path, state_dir=state)
        runtime.start()
        try:
            runtime.wait_healthy()
            yield result, runtime
        finally:
            runtime.stop()


@pytest.fixture(scope="module")
def runtime(project):
    return project[1]


@pytest.fixture(scope="module")
def api(runtime):
    with httpx.Client(base_url=runtime.urls["api"], timeout=60, headers={"X-API-Key": runtime.secret("API_KEY")}) as http:
        yield http


@pytest.fixture(scope="module")
def ops(runtime):
    """The worker block: it consumes JOBS and serves the jobs-dlq store."""
    with httpx.Client(base_url=runtime.urls["worker"], timeout=60, headers=admin(runtime.secret("TOVA_ADMIN_TOKEN"))) as http:
        yield http


def submit(api, payload: dict) -> str:
    response = api.post("/api/jobs", json=payload)
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["status"] == "pending"
    assert accepted["status_url"] == f"/api/jobs/{accepted['job_id']}" == response.headers["Location"]
    return accepted["job_id"]


def job(api, job_id: str) -> dict:
    return api.get(f"/api/jobs/{job_id}").json()


def letters_of(ops, job_ids: set[str]) -> list[dict]:
    page = ops.get("/__tova/dlq", params={"queue": "jobs", "limit": 500}).json()
    return [m for m in page["messages"] if m["body"]["job_id"] in job_ids]


def test_a_job_is_accepted_then_completed_and_notified(api):
    before = api.get("/api/stats").json()["notified"]
    job_id = submit(api, {"task": "thumbnail"})
    done = wait_for(lambda: (j := job(api, job_id))["status"] == "completed" and j, what="job completed")
    assert done["result"] == "processed thumbnail" and done["attempts"] == 1
    wait_for(lambda: api.get("/api/stats").json()["notified"] == before + 1, what="notification")


def test_a_failing_job_is_retried_then_kept_with_its_error(api, ops):
    job_id = submit(api, {"task": "thumbnail", "fail": True, "reason": "corrupt input"})
    letter = wait_for(lambda: letters_of(ops, {job_id}), what="dead letter")[0]
    assert letter["body"] == {"job_id": job_id}
    assert letter["attempts"] == 4  # max_retries: 3
    assert letter["error"] == f"job {job_id} asked to fail: corrupt input"
    assert (letter["queue"], letter["dlq"]) == ("jobs", "jobs-dlq")
    assert job(api, job_id)["status"] == "failed" and job(api, job_id)["attempts"] == 4
    assert ops.get(f"/__tova/dlq/{letter['id']}").json() == letter


def test_replay_returns_a_still_failing_job_and_completes_a_fixed_one(api, ops):
    job_id = submit(api, {"task": "resize", "fail": True, "reason": "bad size"})
    first = wait_for(lambda: letters_of(ops, {job_id}), what="dead letter")[0]

    answer = ops.post("/__tova/dlq/replay", json={"ids": [first["id"]]}).json()
    assert answer["replayed"] == [first["id"]] and answer["failed"] == []
    again = wait_for(lambda: [m for m in letters_of(ops, {job_id}) if m["id"] != first["id"]], what="second death")[0]
    assert again["attempts"] == 4 and again["replays"] == 1
    assert len(letters_of(ops, {job_id})) == 1
    assert job(api, job_id)["attempts"] == 8

    assert api.patch(f"/api/jobs/{job_id}", json={"payload": {"task": "resize"}}).status_code == 200
    answer = ops.post("/__tova/dlq/replay", json={"ids": [again["id"]]}).json()
    assert answer["replayed"] == [again["id"]]
    wait_for(lambda: job(api, job_id)["status"] == "completed", what="replayed job completed")
    assert job(api, job_id)["runs"] == 1
    assert letters_of(ops, {job_id}) == []


def test_two_hundred_dead_jobs_replay_at_a_rate_with_none_lost_or_duplicated(api, ops):
    # Earlier tests' dead letters would be replayed too and, still failing, come back mid-replay.
    ops.post("/__tova/dlq/delete", json={"all": True, "queue": "jobs"})
    assert ops.get("/__tova/dlq", params={"queue": "jobs"}).json()["total"] == 0
    job_ids = {submit(api, {"task": f"batch-{n}", "fail": True, "reason": "upstream down"}) for n in range(200)}
    started = time.monotonic()
    wait_for(lambda: len(letters_of(ops, job_ids)) == 200, timeout=180, interval=0.5, what="200 dead letters")
    print(f"200 jobs dead after {time.monotonic() - started:.1f} s")
    stored = letters_of(ops, job_ids)
    for job_id in job_ids:  # the upstream is back
        assert api.patch(f"/api/jobs/{job_id}", json={"payload": {"task": "batch"}}).status_code == 200

    started = time.monotonic()
    answer = ops.post("/__tova/dlq/replay", json={"all": True, "queue": "jobs", "rate": 50}).json()
    print(f"replay took {time.monotonic() - started:.1f} s")
    assert answer["failed"] == [] and answer["remaining"] == 0
    assert sorted(answer["replayed"]) == sorted(m["id"] for m in stored)

    def all_completed():
        jobs = [job(api, job_id) for job_id in job_ids]
        return all(j["status"] == "completed" for j in jobs) and jobs

    jobs = wait_for(all_completed, timeout=120, interval=0.5, what="200 replayed jobs completed")
    assert {j["result"] for j in jobs} == {"processed batch"}
    assert {j["runs"] for j in jobs} == {1}  # none processed twice
    assert letters_of(ops, job_ids) == []


def test_queue_metrics_and_counters(ops):
    answer = ops.get("/__tova/queues").json()
    queues = {q["queue"]: q for q in answer["queues"]}
    assert set(queues) == {"jobs", "notifications"}
    assert all(isinstance(q["backlog_count"], int) for q in queues.values())
    counters = {c["queue"]: c for c in answer["counters"]}
    assert counters["jobs"]["dead_lettered"] >= 202 and counters["jobs"]["retried"] >= 3 * 202
    assert counters["notifications"]["acked"] >= 1


def test_both_crons_run_by_hand_and_are_listed(runtime, ops, api):
    with httpx.Client(base_url=runtime.urls["api"], headers=admin(runtime.secret("TOVA_ADMIN_TOKEN"))) as api_ops:
        run = api_ops.post("/__tova/cron/daily-report").json()
        assert run["ok"] is True and run["trigger"] == "manual"
        wait_for(lambda: any("Daily report:" in line.message for line in runtime.logs), what="report log line")
        listed = api_ops.get("/__tova/crons").json()["crons"]
        assert listed[0]["name"] == "daily-report" and listed[0]["runs"][0]["id"] == run["id"]
    sweep = ops.post("/__tova/cron/sweep-stale").json()
    assert sweep["ok"] is True and sweep["name"] == "sweep-stale"


@pytest.mark.parametrize("block", ["api", "worker"])
def test_admin_routes_refuse_a_wrong_or_missing_token(runtime, block):
    with httpx.Client(base_url=runtime.urls[block]) as http:
        for headers in ({}, admin("not-the-token")):
            for method, path in (("GET", "/__tova/dlq"), ("POST", "/__tova/dlq/replay"), ("POST", "/__tova/cron/x"),
                                 ("GET", "/__tova/queues"), ("GET", "/__tova/crons"), ("GET", "/__tova/info")):
                response = http.request(method, path, headers=headers, json={"all": True})
                assert response.status_code == 401, (block, method, path)


def test_the_admin_token_is_in_no_generated_file_and_no_log_line(project):
    result, runtime = project
    token = runtime.secret("TOVA_ADMIN_TOKEN")
    assert token and len(token) >= 32
    generated = [p for p in result.out_dir.rglob("*") if p.is_file() and "state" not in p.relative_to(result.out_dir).parts]
    assert generated
    for path in generated:
        assert token not in path.read_text(errors="replace"), path
    assert runtime.logs
    assert not [line for line in runtime.logs if token in line.message]
