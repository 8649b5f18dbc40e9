"""The seed program end to end on the real local runtime (issue 3's definition of done).

One runtime for the module, built from examples/pipeline into a temporary folder, with a small
MAX_FILE_SIZE so the size limit can be crossed cheaply. Tests run in file order and share state: the
restart test comes last.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from console.project import Project
from console.targets.local.runtime import LocalRuntime

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "pipeline"
MAX_FILE_SIZE = 2048
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 2


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("pipeline")
    shutil.copytree(EXAMPLE, root, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".tova-out", ".dev.vars"))
    return Project.load(root / "pipeline.tova")


@pytest.fixture(scope="module")
def runtime(project: Project):
    runtime = LocalRuntime(
        project.manifest_path,
        secrets_path=project.root / ".dev.vars",
        state_dir=project.out_dir / "state",
        vars={"MAX_FILE_SIZE": str(MAX_FILE_SIZE)},
    )
    runtime.start()
    yield runtime
    runtime.stop()


@pytest.fixture(scope="module")
def api(runtime: LocalRuntime):
    with httpx.Client(base_url=runtime.urls["api"], headers={"X-API-Key": runtime.secret("API_KEY")}) as client:
        yield client


def stats(api: httpx.Client) -> dict[str, int]:
    response = api.get("/api/stats")
    assert response.status_code == 200
    return response.json()


@pytest.fixture(scope="module")
def uploads(api: httpx.Client, runtime: LocalRuntime):
    """Three images of different types, uploaded together, with the stats from just before."""
    before = stats(api)
    sent = [(PNG, "image/png"), (b"GIF89a" + b"\x00" * 100, "image/gif"), (b"\xff\xd8\xff" + b"j" * 700, "image/jpeg")]
    answers = [api.post("/api/images", content=data, headers={"Content-Type": kind}) for data, kind in sent]
    return {"before": before, "sent": sent, "answers": answers}


def status_of(api: httpx.Client, image_id: str) -> str | None:
    response = api.get(f"/api/images/{image_id}")
    return response.json().get("status") if response.status_code == 200 else None


def test_both_workers_are_healthy_without_a_key(runtime: LocalRuntime):
    for block, url in runtime.urls.items():
        response = httpx.get(url + "/healthz")
        assert response.status_code == 200
        body = response.json()
        assert body["worker"] == block and body["status"] in ("ok", "degraded")


def test_upload_with_the_key_is_queued(uploads):
    for answer in uploads["answers"]:
        assert answer.status_code == 200
        body = answer.json()
        assert set(body) == {"id", "status", "queue_position"}
        assert body["status"] == "queued" and body["queue_position"] == 0 and len(body["id"]) == 36
    assert len({a.json()["id"] for a in uploads["answers"]}) == 3


def test_upload_without_or_with_a_wrong_key_is_refused(runtime: LocalRuntime):
    for headers in ({}, {"X-API-Key": "not-the-key"}):
        response = httpx.post(runtime.urls["api"] + "/api/images", content=PNG, headers=headers)
        assert response.status_code == 401
        assert response.json() == {"error": "Invalid API key"}


def test_upload_over_max_file_size_is_413_and_stores_nothing(api: httpx.Client):
    before = stats(api)
    response = api.post("/api/images", content=b"x" * (MAX_FILE_SIZE + 1), headers={"Content-Type": "image/png"})
    assert response.status_code == 413
    assert response.json() == {"error": "File too large"}
    assert api.post("/api/images", content=b"x" * MAX_FILE_SIZE).status_code == 200  # the limit itself is allowed
    assert stats(api)["total"] == before["total"] + 1


def test_the_processor_consumes_and_serves_the_processed_bytes(api: httpx.Client, uploads, eventually):
    for (data, kind), answer in zip(uploads["sent"], uploads["answers"]):
        image_id = answer.json()["id"]
        eventually(lambda: status_of(api, image_id) == "processed")
        record = api.get(f"/api/images/{image_id}").json()
        assert record["processed_key"] == f"processed/{image_id}"
        served = api.get(f"/images/processed/{image_id}")
        assert served.status_code == 200
        assert served.content == data
        assert served.headers["content-type"] == kind
        assert api.get(f"/images/originals/{image_id}").content == data


def test_processing_is_logged_by_the_processor(runtime: LocalRuntime, uploads, eventually):
    for answer in uploads["answers"]:
        line = f"Processed image {answer.json()['id']}"
        found = eventually(lambda: [l for l in runtime.recent_logs() if l.message == line])
        assert found[0].worker == "processor"


def test_stats_count_every_state(api: httpx.Client, runtime: LocalRuntime, uploads, eventually):
    before = uploads["before"]
    eventually(lambda: stats(api)["pending"] == 0)
    now = stats(api)
    # three from the fixture, one at exactly the size limit
    assert now["total"] == before["total"] + 4
    assert now["processed"] == before["processed"] + 4
    assert now["failed"] == before["failed"] == 0
    # a message whose original is gone marks its image failed (the processor's other branch)
    victim = uploads["answers"][0].json()["id"]
    runtime.send_to_queue("process-queue", {"id": victim, "key": "originals/does-not-exist"})
    eventually(lambda: stats(api)["failed"] == 1)
    assert stats(api) == {"total": now["total"], "processed": now["processed"] - 1, "pending": 0, "failed": 1}


def test_delete_removes_the_row_the_objects_and_the_cache(api: httpx.Client, uploads):
    image_id = uploads["answers"][1].json()["id"]
    total = stats(api)["total"]
    assert api.get(f"/api/images/{image_id}").status_code == 200
    response = api.delete(f"/api/images/{image_id}")
    assert response.status_code == 200 and response.json() == {"deleted": image_id}
    assert api.get(f"/api/images/{image_id}").status_code == 404  # neither the KV cache nor the row
    assert api.get(f"/images/originals/{image_id}").status_code == 404
    assert api.get(f"/images/processed/{image_id}").status_code == 404
    assert stats(api)["total"] == total - 1
    assert api.delete(f"/api/images/{image_id}").status_code == 404


def test_cors_preflight_from_the_configured_origin(runtime: LocalRuntime):
    response = httpx.options(runtime.urls["api"] + "/api/images", headers={
        "Origin": "https://myapp.com",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "X-API-Key, Content-Type",
    })
    assert response.status_code in (200, 204)
    headers = response.headers
    assert headers["access-control-allow-origin"] == "https://myapp.com"
    assert {m.strip() for m in headers["access-control-allow-methods"].split(",")} == {"GET", "POST", "DELETE"}
    assert {h.strip() for h in headers["access-control-allow-headers"].split(",")} == {"Content-Type", "Authorization", "X-API-Key"}
    assert headers["access-control-allow-credentials"] == "true"


def test_cors_preflight_from_another_origin_is_not_allowed(runtime: LocalRuntime):
    response = httpx.options(runtime.urls["api"] + "/api/images", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert response.headers.get("access-control-allow-origin") not in ("https://evil.example", "*")


def test_an_unknown_path_is_404(api: httpx.Client, runtime: LocalRuntime):
    assert api.get("/no/such/thing").status_code == 404
    assert httpx.get(runtime.urls["processor"] + "/no/such/thing").status_code == 404


def test_a_throwing_handler_goes_through_on_error(api: httpx.Client, runtime: LocalRuntime, eventually):
    # R2 rejects keys over 1024 bytes: the route's IMAGES.get throws, on_error answers.
    response = api.get("/images/" + "x" * 1100)
    assert response.status_code == 500
    body = response.json()
    assert body["worker"] == "api" and "not valid" in body["error"]
    logged = eventually(lambda: [l for l in runtime.recent_logs() if l.message.startswith("API error:")])
    assert logged[0].worker == "api" and "not valid" in logged[0].message


def test_the_scheduled_handler_runs_on_demand_and_logs(api: httpx.Client, runtime: LocalRuntime, eventually):
    now = stats(api)
    assert runtime.trigger_scheduled("api") == "ok"
    line = f"Daily report: {now['total']} total, {now['pending']} pending"
    found = eventually(lambda: [l for l in runtime.recent_logs() if l.message == line])
    assert found[0].worker == "api"


def test_admin_routes_answer_with_the_generated_token(runtime: LocalRuntime):
    url = runtime.urls["processor"] + "/__tova/info"
    assert httpx.get(url).status_code == 401
    info = httpx.get(url, headers={"Authorization": f"Bearer {runtime.secret('TOVA_ADMIN_TOKEN')}"})
    assert info.status_code == 200 and info.json()["worker"] == "processor"


def test_memory_of_each_worker_comes_from_the_inspector(runtime: LocalRuntime):
    memory = runtime.memory()
    assert set(memory.workers) == {"api", "processor"}
    assert all(m.heap_used and m.heap_used > 0 for m in memory.workers.values())


def test_restart_keeps_d1_kv_and_r2(api: httpx.Client, runtime: LocalRuntime, uploads):
    kept = uploads["answers"][2].json()["id"]
    data, kind = uploads["sent"][2]
    before = stats(api)
    cached = api.get(f"/api/images/{kept}").json()
    runtime.stop()
    runtime.start()
    assert runtime.migrations["pipeline"] == []  # applied once, on the first start
    with httpx.Client(base_url=runtime.urls["api"], headers={"X-API-Key": runtime.secret("API_KEY")}) as again:
        assert stats(again) == before  # D1
        assert again.get(f"/api/images/{kept}").json() == cached  # KV
        served = again.get(f"/images/processed/{kept}")  # R2
        assert served.content == data and served.headers["content-type"] == kind
