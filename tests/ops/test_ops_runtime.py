"""The ops surface of compiler/js on real workerd, with a hand-written jobs worker (tests/ops/workers).

One Miniflare for the module: `jobs` has the admin token, `open` runs the same code without one.
"""

from __future__ import annotations

import secrets

import pytest

from .harness import WorkerRuntime, admin, build_module, client, wait_for

pytestmark = pytest.mark.e2e

TOKEN = "tova-test-" + secrets.token_hex(16)
SPEC = (__import__("pathlib").Path(__file__).parent / "workers" / "jobs_spec.js").read_text()


def _consumer(max_batch_size: int, max_retries: int, dlq: str | None = None) -> dict:
    settings = {"maxBatchSize": max_batch_size, "maxBatchTimeout": 0.2, "maxRetries": max_retries, "retryDelay": 0}
    if dlq:
        settings["deadLetterQueue"] = dlq
    return settings


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    work = tmp_path_factory.mktemp("ops-runtime")
    module = build_module(SPEC, work / "jobs.js")
    shared = {"module": str(module), "d1": {"DB": "jobs-db", "TOVA_OPS": "ops-db"}}
    config = {
        "persist": None,
        "workers": [
            {
                **shared,
                "name": "jobs",
                "bindings": {"TOVA_ADMIN_TOKEN": TOKEN},
                "queueProducers": {"JOBS": "jobs", "BULK": "bulk", "FRAGILE": "fragile", "REKEY": "rekey", "REKEY_DLQ": "rekey-dlq"},
                "queueConsumers": {
                    "jobs": _consumer(1, 3, "jobs-dlq"),
                    "jobs-dlq": _consumer(100, 5),
                    "bulk": _consumer(100, 1, "bulk-dlq"),
                    "bulk-dlq": _consumer(100, 5),
                    "fragile": _consumer(1, 1),
                    # no DLQ here: the test moves the dead message itself, under a new id
                    "rekey": _consumer(1, 0),
                    "rekey-dlq": _consumer(10, 5),
                },
            },
            {**shared, "name": "open", "bindings": {}},
        ],
    }
    running = WorkerRuntime(config, work).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def jobs(runtime):
    with client(runtime.urls["jobs"]) as http:
        yield http


@pytest.fixture(scope="module")
def open_worker(runtime):
    with client(runtime.urls["open"]) as http:
        yield http


def dead_letters(http, queue: str) -> dict:
    response = http.get("/__tova/dlq", params={"queue": queue, "limit": 500}, headers=admin(TOKEN))
    assert response.status_code == 200, response.text
    return response.json()


def create_job(http, payload: dict) -> str:
    response = http.post("/api/jobs", json=payload)
    assert response.status_code == 202, response.text
    assert response.json()["status_url"] == f"/api/jobs/{response.json()['job_id']}"
    return response.json()["job_id"]


def job(http, job_id: str) -> dict:
    return http.get(f"/api/jobs/{job_id}").json()


ADMIN_ROUTES = [
    ("GET", "/__tova/info", None),
    ("GET", "/__tova/queues", None),
    ("GET", "/__tova/dlq", None),
    ("GET", "/__tova/dlq/some-id", None),
    ("POST", "/__tova/dlq/replay", {"all": True}),
    ("POST", "/__tova/dlq/delete", {"all": True}),
    ("GET", "/__tova/crons", None),
    ("POST", "/__tova/cron/daily-report", None),
]


def test_health_needs_no_token_and_reports_memory_honestly(jobs):
    response = jobs.get("/healthz")
    assert response.status_code == 200
    health = response.json()
    assert health["worker"] == "jobs" and health["status"] == "ok"
    assert health["checks"]["memory"]["status"] == "unavailable"
    assert health["checks"]["d1:DB"]["status"] == "ok"
    assert health["checks"]["queue:JOBS"]["status"] == "ok"


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
def test_admin_route_refuses_missing_or_wrong_token(jobs, method, path, body):
    for headers in ({}, admin("wrong-" + TOKEN), {"Authorization": TOKEN}):
        response = jobs.request(method, path, json=body, headers=headers)
        assert response.status_code == 401, (path, headers)
        assert response.json() == {"error": "unauthorized"}


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
def test_admin_route_is_404_without_a_configured_token(open_worker, method, path, body):
    response = open_worker.request(method, path, json=body, headers=admin(TOKEN))
    assert response.status_code == 404
    assert response.json() == {"error": "not found"}


def test_failing_job_is_retried_then_stored_with_its_error(jobs):
    job_id = create_job(jobs, {"task": "resize", "fail": True, "reason": "corrupt image"})
    stored = wait_for(lambda: [m for m in dead_letters(jobs, "jobs")["messages"] if m["body"] == {"job_id": job_id}], what="dead letter")
    letter = stored[0]
    assert letter["attempts"] == 4  # max_retries 3 -> four deliveries
    assert letter["error"] == f"job {job_id} asked to fail: corrupt image"
    assert letter["queue"] == "jobs" and letter["dlq"] == "jobs-dlq"
    assert letter["first_seen"] <= letter["last_seen"]
    assert job(jobs, job_id)["attempts"] == 4
    assert job(jobs, job_id)["status"] == "failed"
    one = jobs.get(f"/__tova/dlq/{letter['id']}", headers=admin(TOKEN))
    assert one.status_code == 200 and one.json() == letter
    counters = {c["queue"]: c for c in jobs.get("/__tova/queues", headers=admin(TOKEN)).json()["counters"]}
    assert counters["jobs"]["retried"] >= 3 and counters["jobs"]["dead_lettered"] >= 1


def test_replaying_a_still_failing_job_brings_it_back_then_a_fixed_one_completes(jobs):
    job_id = create_job(jobs, {"task": "resize", "fail": True, "reason": "still broken"})
    first = wait_for(lambda: [m for m in dead_letters(jobs, "jobs")["messages"] if m["body"] == {"job_id": job_id}], what="dead letter")[0]

    replay = jobs.post("/__tova/dlq/replay", json={"ids": [first["id"]]}, headers=admin(TOKEN)).json()
    assert replay["replayed"] == [first["id"]] and replay["failed"] == []
    again = wait_for(lambda: [m for m in dead_letters(jobs, "jobs")["messages"] if m["body"] == {"job_id": job_id}], what="second death")[0]
    assert again["id"] != first["id"]
    assert again["attempts"] == 4 and again["replays"] == 1
    assert again["first_seen"] == first["first_seen"]
    assert job(jobs, job_id)["attempts"] == 8

    fixed = jobs.patch(f"/api/jobs/{job_id}", json={"payload": {"task": "resize"}})
    assert fixed.status_code == 200
    replay = jobs.post("/__tova/dlq/replay", json={"ids": [again["id"]]}, headers=admin(TOKEN)).json()
    assert replay["replayed"] == [again["id"]]
    wait_for(lambda: job(jobs, job_id)["status"] == "completed", what="job completed")
    assert job(jobs, job_id)["runs"] == 1
    assert not [m for m in dead_letters(jobs, "jobs")["messages"] if m["body"] == {"job_id": job_id}]


def test_replay_of_an_unknown_id_fails_without_touching_the_store(jobs):
    response = jobs.post("/__tova/dlq/replay", json={"ids": ["no-such-id"]}, headers=admin(TOKEN))
    assert response.status_code == 200
    assert response.json()["replayed"] == []
    assert response.json()["failed"][0]["id"] == "no-such-id"
    bad = jobs.post("/__tova/dlq/replay", json={"all": True, "rate": 0}, headers=admin(TOKEN))
    assert bad.status_code == 400


def test_replay_max_caps_named_ids_without_calling_the_rest_missing(jobs):
    job_ids = {create_job(jobs, {"fail": True, "reason": f"capped {n}"}) for n in range(2)}
    letters = wait_for(lambda: (found := [m for m in dead_letters(jobs, "jobs")["messages"] if m["body"]["job_id"] in job_ids])
                       and len(found) == 2 and found, what="two dead letters")
    ids = [m["id"] for m in letters]
    answer = jobs.post("/__tova/dlq/replay", json={"ids": [*ids, "nope"], "max": 1}, headers=admin(TOKEN)).json()
    assert len(answer["replayed"]) == 1 and answer["replayed"][0] in ids
    assert [f["id"] for f in answer["failed"]] == ["nope"]
    jobs.post("/__tova/dlq/delete", json={"ids": ids}, headers=admin(TOKEN))


def test_delete_removes_dead_letters(jobs):
    job_id = create_job(jobs, {"fail": True, "reason": "to be deleted"})
    letter = wait_for(lambda: [m for m in dead_letters(jobs, "jobs")["messages"] if m["body"] == {"job_id": job_id}], what="dead letter")[0]
    response = jobs.post("/__tova/dlq/delete", json={"ids": [letter["id"]]}, headers=admin(TOKEN))
    assert response.json() == {"deleted": 1}
    assert jobs.get(f"/__tova/dlq/{letter['id']}", headers=admin(TOKEN)).status_code == 404


def test_a_batch_consumers_dead_letters_page_and_replay_without_loss_or_duplicates(jobs):
    # The 200-at-50/s case runs on the compiled jobs example (test_jobs_example.py); this one pages.
    count = 130
    assert jobs.put("/api/bulk/mode", json={"failing": True}).status_code == 200
    assert jobs.post("/api/bulk", json={"count": count}).json() == {"sent": count}
    wait_for(lambda: dead_letters(jobs, "bulk")["total"] == count, timeout=60, what="dead letters")

    seen, cursor = [], None
    while True:
        params = {"queue": "bulk", "limit": 64, **({"cursor": cursor} if cursor else {})}
        page = jobs.get("/__tova/dlq", params=params, headers=admin(TOKEN)).json()
        seen += page["messages"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(m["body"]["n"] for m in seen) == list(range(count))
    assert all(m["attempts"] == 2 and m["error"] == "bulk processing is switched off" for m in seen)

    assert jobs.put("/api/bulk/mode", json={"failing": False}).status_code == 200
    replay = jobs.post("/__tova/dlq/replay", json={"all": True, "queue": "bulk", "rate": 200}, headers=admin(TOKEN)).json()
    assert replay["failed"] == [] and replay["remaining"] == 0
    assert sorted(replay["replayed"]) == sorted(m["id"] for m in seen)

    processed = wait_for(lambda: (rows := jobs.get("/api/bulk/seen").json()) and len(rows) == count and rows, timeout=60, what="all processed")
    assert [row["n"] for row in processed] == list(range(count))
    assert {row["times"] for row in processed} == {1}
    assert dead_letters(jobs, "bulk")["total"] == 0


def test_queue_metrics_come_from_the_bindings(jobs):
    queues = {q["queue"]: q for q in jobs.get("/__tova/queues", headers=admin(TOKEN)).json()["queues"]}
    assert set(queues) == {"jobs", "bulk", "fragile"}
    assert all(isinstance(q["backlog_count"], int) and "error" not in q for q in queues.values())


def test_a_message_given_up_on_without_a_dlq_is_counted_as_dropped(jobs):
    assert jobs.post("/api/fragile", json={"n": 1}).status_code == 200
    counter = wait_for(lambda: [c for c in jobs.get("/__tova/queues", headers=admin(TOKEN)).json()["counters"]
                                if c["queue"] == "fragile" and c["dropped"] == 1], what="dropped counter")[0]
    assert counter["retried"] == 1 and counter["dead_lettered"] == 0
    assert counter["last_error"] == "fragile always fails"
    assert dead_letters(jobs, "fragile")["total"] == 0


def test_a_dead_letter_under_a_new_id_still_finds_its_error_by_body(jobs):
    body = {"order": "A-17", "nonce": secrets.token_hex(4)}
    assert jobs.post("/api/rekey", json=body).status_code == 200
    wait_for(lambda: [c for c in jobs.get("/__tova/queues", headers=admin(TOKEN)).json()["counters"]
                      if c["queue"] == "rekey" and c["dead_lettered"] == 1], what="first failure recorded")
    assert jobs.post("/api/rekey/dead", json=body).status_code == 200
    letter = wait_for(lambda: dead_letters(jobs, "rekey")["messages"], what="dead letter")[0]
    assert letter["body"] == body
    assert (letter["error"], letter["attempts"]) == ("rekey failed", 1)


def test_cron_by_hand_runs_the_schedule_and_is_recorded(runtime, jobs):
    run = jobs.post("/__tova/cron/daily-report", headers=admin(TOKEN))
    assert run.status_code == 200
    assert run.json()["ok"] is True and run.json()["trigger"] == "manual"
    wait_for(lambda: "Daily report:" in runtime.log_text(), what="the report's log line")
    broken = jobs.post("/__tova/cron/sweeper", headers=admin(TOKEN)).json()
    assert broken["ok"] is False and broken["error"] == "sweeper is broken"
    assert jobs.post("/__tova/cron/nope", headers=admin(TOKEN)).status_code == 404

    runtime.scheduled("jobs", "*/5 * * * *")
    crons = {c["name"]: c for c in jobs.get("/__tova/crons", headers=admin(TOKEN)).json()["crons"]}
    assert crons["daily-report"]["cron"] == "0 9 * * *"
    latest = crons["daily-report"]["runs"][0]
    assert latest["id"] == run.json()["id"] and latest["duration_ms"] >= 0 and latest["ok"] is True
    assert [(r["trigger"], r["ok"]) for r in crons["sweeper"]["runs"][:2]] == [("scheduled", False), ("manual", False)]


def test_the_token_never_reaches_a_log_line(runtime, jobs):
    jobs.get("/__tova/info", headers=admin("wrong"))
    jobs.get("/__tova/info", headers=admin(TOKEN))
    assert runtime.logs, "the driver collected no logs at all"
    assert TOKEN not in runtime.log_text()
