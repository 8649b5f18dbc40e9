"""The ops surface on the seed program (examples/pipeline, identical to the shared fixture), which
declares no DLQ: cron by hand on its api worker, honest health, queue counters, and an empty store.
Plus the 404 rule on a compiled program whose admin token is not configured."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from compiler.driver import build
from console.targets.local.runtime import LocalRuntime

from .harness import admin, memory_backed_dir, wait_for

pytestmark = pytest.mark.e2e

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _copy(tmp_path_factory, name: str) -> Path:
    root = tmp_path_factory.mktemp(name) / name
    shutil.copytree(EXAMPLES / name, root, ignore=shutil.ignore_patterns(".tova-out", ".dev.vars"))
    return root


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    root = _copy(tmp_path_factory, "pipeline")
    result = build(root / "pipeline.tova")
    with memory_backed_dir("tova-seed-state-") as state:
        runtime = LocalRuntime(result.manifest_path, state_dir=state)
        runtime.start()
        try:
            runtime.wait_healthy()
            yield runtime
        finally:
            runtime.stop()


def test_cron_by_hand_runs_the_daily_report_and_lists_the_run(seed):
    with httpx.Client(base_url=seed.urls["api"], headers=admin(seed.secret("TOVA_ADMIN_TOKEN")), timeout=30) as http:
        run = http.post("/__tova/cron/daily-report")
        assert run.status_code == 200, run.text
        assert run.json()["ok"] is True and run.json()["trigger"] == "manual" and run.json()["error"] is None
        wait_for(lambda: [l for l in seed.logs if l.worker == "api" and "Daily report: 0 total, 0 pending" in l.message],
                 what="the report's log line")
        crons = http.get("/__tova/crons").json()["crons"]
        assert [c["name"] for c in crons] == ["daily-report"] and crons[0]["cron"] == "0 9 * * *"
        listed = crons[0]["runs"][0]
        assert listed["id"] == run.json()["id"]
        assert isinstance(listed["duration_ms"], (int, float)) and listed["duration_ms"] >= 0


def test_the_platform_trigger_is_recorded_as_scheduled(seed):
    assert seed.trigger_scheduled("api") == "ok"
    with httpx.Client(base_url=seed.urls["api"], headers=admin(seed.secret("TOVA_ADMIN_TOKEN"))) as http:
        runs = wait_for(lambda: [r for r in http.get("/__tova/crons").json()["crons"][0]["runs"] if r["trigger"] == "scheduled"],
                        what="a scheduled run")
    assert runs[0]["ok"] is True


def test_health_is_public_even_behind_the_api_key_middleware(seed):
    response = httpx.get(seed.urls["api"] + "/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["checks"]["memory"]["status"] == "unavailable"
    assert {name for name in body["checks"]} >= {"kv:METADATA", "d1:DB", "r2:IMAGES", "queue:PROCESS_QUEUE"}
    assert httpx.get(seed.urls["api"] + "/api/stats").status_code == 401


def test_an_upload_is_processed_and_counted_and_no_dlq_means_an_empty_store(seed):
    key = {"X-API-Key": seed.secret("API_KEY")}
    uploaded = httpx.post(seed.urls["api"] + "/api/images", content=b"\x89PNG-bytes", headers={**key, "Content-Type": "image/png"})
    assert uploaded.status_code == 200, uploaded.text
    image_id = uploaded.json()["id"]
    wait_for(lambda: httpx.get(f"{seed.urls['api']}/api/images/{image_id}", headers=key).json().get("status") == "processed",
             what="image processed")
    ops = admin(seed.secret("TOVA_ADMIN_TOKEN"))
    counters = wait_for(lambda: [c for c in httpx.get(seed.urls["processor"] + "/__tova/queues", headers=ops).json()["counters"]
                                 if c["queue"] == "process-queue" and c["acked"] >= 1], what="acked counter")
    assert counters[0]["dead_lettered"] == 0
    metrics = httpx.get(seed.urls["api"] + "/__tova/queues", headers=ops).json()["queues"]
    assert [q["queue"] for q in metrics] == ["process-queue"] and isinstance(metrics[0]["backlog_count"], int)
    assert httpx.get(seed.urls["processor"] + "/__tova/dlq", headers=ops).json() == {"messages": [], "next_cursor": None, "total": 0}


def test_admin_routes_are_404_when_no_token_is_configured(tmp_path_factory):
    root = _copy(tmp_path_factory, "jobs")
    (root / ".dev.vars").write_text("API_KEY=k\nTOVA_ADMIN_TOKEN=\n")
    result = build(root / "jobs.tova")
    runtime = LocalRuntime(result.manifest_path)
    runtime.start()
    try:
        for block, url in runtime.urls.items():
            for method, path in (("GET", "/__tova/info"), ("GET", "/__tova/dlq"), ("POST", "/__tova/dlq/replay"),
                                 ("POST", "/__tova/dlq/delete"), ("GET", "/__tova/queues"), ("GET", "/__tova/crons"),
                                 ("POST", "/__tova/cron/daily-report"), ("GET", "/__tova/dlq/x")):
                response = httpx.request(method, url + path, headers=admin("anything"), json={"all": True})
                assert (response.status_code, response.json()) == (404, {"error": "not found"}), (block, path)
        assert not [line for line in runtime.logs if "Daily report" in line.message]
    finally:
        runtime.stop()
