"""The runner on its own, with hand-written workers (tests/e2e/fixtures/mini): one Miniflare for all
workers, shared queues/KV/D1/R2, per-worker ports, logs attributed to their worker, heap from the
inspector, migrations once, state kept across restarts, crons on demand, nothing left running."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest

from console.targets.local.runtime import LocalRuntime, LocalRuntimeError, process_alive

FIXTURE = Path(__file__).parent / "fixtures" / "mini"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mini")
    shutil.copytree(FIXTURE, root / ".tova-out")
    # migrations[].dir is relative to the manifest's folder
    return root / ".tova-out" / "manifest.json"


@pytest.fixture(scope="module")
def runtime(project: Path):
    # A developer's own .dev.vars line overrides an env default, as wrangler does; --var beats both.
    (project.parent.parent / ".dev.vars").write_text("GREETING=howdy\nLIMIT=7\n")
    runtime = LocalRuntime(project, vars={"LIMIT": "5"})
    runtime.start()
    yield runtime
    runtime.stop()


def test_every_worker_gets_its_own_port(runtime: LocalRuntime):
    urls = runtime.urls
    assert set(urls) == {"front", "back"}
    assert urls["front"] != urls["back"]
    for block, url in urls.items():
        assert httpx.get(url + "/healthz").json()["worker"] == block


def test_secrets_file_is_created_private_and_reaches_the_worker(runtime: LocalRuntime):
    secrets = runtime.secrets
    assert set(secrets) >= {"TOKEN", "TOVA_ADMIN_TOKEN"}
    assert os.stat(runtime.secrets_path).st_mode & 0o777 == 0o600
    env = httpx.get(runtime.urls["front"] + "/env").json()
    assert env["token_length"] == len(secrets["TOKEN"]) > 20
    assert env["admin_set"] is True


def test_vars_come_from_the_manifest_dev_vars_and_overrides(runtime: LocalRuntime):
    env = httpx.get(runtime.urls["front"] + "/env").json()
    assert (env["mode"], env["greeting"], env["limit"]) == ("fixture", "howdy", "5")


def test_migrations_run_once_including_statements_with_inner_semicolons(runtime: LocalRuntime):
    assert runtime.migrations["mini"] == ["0001_notes.sql", "0002_trigger.sql"]


def test_queue_is_shared_and_consumer_writes_shared_storage(runtime: LocalRuntime, eventually):
    front = runtime.urls["front"]
    response = httpx.post(front + "/notes/n1", content=b"\x89PNG-bytes", headers={"content-type": "image/png"})
    assert response.json() == {"id": "n1"}
    row = eventually(lambda: (r := httpx.get(front + "/notes/n1").json())["status"] == "done" and r)
    assert row["attempts"] == 1
    assert httpx.get(front + "/kv/n1").json() == {"value": "done"}
    image = httpx.get(front + "/files/n1")
    assert image.content == b"\x89PNG-bytes" and image.headers["content-type"] == "image/png"
    # the trigger from the second migration fired on the consumer's update
    audit = httpx.get(front + "/audit").json()
    assert {"note": "n1", "what": "status;done"} in audit
    assert {"note": "seed", "what": "semi;colon 'quoted'; -- not a comment"} in audit
    eventually(lambda: any(l.worker == "back" and l.message == "back processed n1" for l in runtime.recent_logs()))


def test_consumer_settings_retry_then_dead_letter(runtime: LocalRuntime, eventually):
    front = runtime.urls["front"]
    httpx.post(front + "/notes/bad?poison=1", content=b"x")
    dead = eventually(lambda: httpx.get(front + "/dead").json())
    assert [d["id"] for d in dead] == ["bad"]
    # max_retries 1 from the manifest: the first delivery and one retry
    assert httpx.get(front + "/notes/bad").json()["attempts"] == 2
    # each failed delivery: the consumer's uncaught error once, with where it was thrown
    thrown = eventually(lambda: len(found := [l for l in runtime.recent_logs()
                                              if l.message.startswith("Uncaught Error: poisoned note bad")]) >= 2 and found)
    assert len(thrown) == 2 and all(l.worker == "back" and l.level == "error" for l in thrown)
    logs = eventually(lambda: [l for l in runtime.recent_logs() if "jobs-dlq" in l.message] and runtime.recent_logs())
    assert thrown[0].message.endswith("(mini.edge.back.js:20:38)")
    # the batch outcomes belong to the consumer; the move to the DLQ is the runtime's warning
    assert any(l.worker == "back" and l.level == "warn" and l.message.startswith("queue jobs: batch of")
               and "failed" in l.message for l in logs)
    assert any(l.worker == "runtime" and l.level == "warn" and 'to dead letter queue "jobs-dlq"' in l.message
               for l in logs)


def test_console_output_is_attributed_to_its_worker(runtime: LocalRuntime, eventually):
    httpx.get(runtime.urls["front"] + "/log")
    said = eventually(lambda: [l for l in runtime.recent_logs() if l.message.startswith("front says")])
    assert said[0].worker == "front" and said[0].level == "info"
    assert said[0].message == "front says { n: 1 } [ 1, 2 ]"
    warned = eventually(lambda: [l for l in runtime.recent_logs() if l.message == "front warns"])
    assert warned[0].level == "warn" and warned[0].worker == "front"
    # workerd's own copy of the same line is not passed on a second time
    assert not [l for l in runtime.recent_logs() if "front says" in l.message and l.worker == "runtime"]


def test_uncaught_error_is_logged_once_for_its_worker(runtime: LocalRuntime, eventually):
    response = httpx.get(runtime.urls["front"] + "/throw")
    assert response.status_code == 500
    eventually(lambda: [l for l in runtime.recent_logs() if l.message == "GET /throw -> exception"])
    lines = [l for l in runtime.recent_logs() if "front exploded" in l.message]
    assert [(l.worker, l.level) for l in lines] == [("front", "error")]


def test_each_request_gets_a_debug_line_except_health_and_ops(runtime: LocalRuntime, eventually):
    front = runtime.urls["front"]
    httpx.get(front + "/healthz")
    httpx.get(front + "/__tova/info")
    httpx.get(front + "/env?probe=1")
    httpx.get(front + "/nowhere")
    eventually(lambda: [l for l in runtime.recent_logs() if l.message == "GET /nowhere 404"])
    lines = [l for l in runtime.recent_logs() if l.worker == "front" and l.level == "debug"]
    assert "GET /env?probe=1 200" in [l.message for l in lines]
    assert not [l for l in lines if "/healthz" in l.message or "/__tova" in l.message]


def test_scheduled_handler_runs_on_demand(runtime: LocalRuntime, eventually):
    assert runtime.trigger_scheduled("back") == "ok"
    line = eventually(lambda: [l for l in runtime.recent_logs() if l.message == "back tick */5 * * * *"])
    assert line[0].worker == "back"


def test_scheduled_for_unknown_worker_is_refused(runtime: LocalRuntime):
    with pytest.raises(LocalRuntimeError, match="no worker named nope"):
        runtime.trigger_scheduled("nope", cron="* * * * *")


def test_a_message_can_be_put_on_a_local_queue_from_outside(runtime: LocalRuntime, eventually):
    runtime.send_to_queue("jobs", {"id": "injected"})
    eventually(lambda: [l for l in runtime.recent_logs() if l.worker == "back" and l.message == "back processed injected"])
    with pytest.raises(LocalRuntimeError, match="no worker has a producer binding for queue nope"):
        runtime.send_to_queue("nope", {})


def test_memory_reports_each_workers_heap_and_process_rss(runtime: LocalRuntime):
    memory = runtime.memory()
    assert set(memory.workers) == {"front", "back"}
    for figures in memory.workers.values():
        assert figures.source == "inspector"
        assert 0 < figures.heap_used <= figures.heap_total
    assert memory.rss and memory.rss > 10 * 1024 * 1024


def test_every_isolate_in_workerd_is_collected_not_only_the_workers(runtime: LocalRuntime):
    # workerd's memory grows under small requests until a major collection of the isolates they pass
    # through, most of them Miniflare's internal ones (D1, KV, R2, queues, cache): see
    # runtime/inspector.mjs. The list comes from workerd's inspector itself, not from the runner.
    listed = {isolate["id"] for isolate in httpx.get(runtime.inspector_url.replace("ws:", "http:") + "/json").json()}
    internal = {i for i in listed if not i.startswith("core:user:")}
    assert {"d1:db:mini", "kv:ns", "queues:queue:jobs"} <= internal
    outcome = runtime.collect_garbage()
    assert set(outcome) == listed
    unreachable = {i: why for i, why in outcome.items() if why != "collected"}
    assert all("#" in i and why.startswith("skipped") for i, why in unreachable.items()), unreachable
    assert "core:user:front" not in unreachable and "d1:db:mini" not in unreachable


def test_control_endpoint_wants_its_token(runtime: LocalRuntime):
    assert httpx.get(runtime.control_url + "/memory").status_code == 401
    assert httpx.get(runtime.control_url + "/memory", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_restart_keeps_state_and_does_not_rerun_migrations(runtime: LocalRuntime, project: Path):
    front = runtime.urls["front"]
    httpx.post(front + "/notes/keep", content=b"kept", headers={"content-type": "text/plain"})
    runner_pid, workerd_pid = runtime.pid, runtime.runtime_pid
    runtime.stop()
    assert not runtime.running
    assert not process_alive(runner_pid) and not process_alive(workerd_pid)
    runtime.start()
    front = runtime.urls["front"]
    assert runtime.migrations["mini"] == []
    assert httpx.get(front + "/notes/keep").json()["id"] == "keep"
    assert httpx.get(front + "/kv/keep").json()["value"] in ("new", "done")
    assert httpx.get(front + "/files/keep").content == b"kept"


def test_a_broken_manifest_fails_with_a_message(tmp_path: Path):
    manifest = tmp_path / "out" / "manifest.json"
    manifest.parent.mkdir()
    manifest.write_text('{"version": 1, "project": "x", "compatibility_date": "2025-09-01", "workers": '
                        '[{"block": "a", "module": "missing.js", "bindings": [], "secrets": []}]}')
    runtime = LocalRuntime(manifest)
    with pytest.raises(LocalRuntimeError, match="missing.js"):
        runtime.start(timeout=60)
    assert not runtime.running


def test_a_malformed_secrets_file_stops_the_start_with_its_line(tmp_path: Path):
    shutil.copytree(FIXTURE, tmp_path / ".tova-out")
    (tmp_path / ".dev.vars").write_text("TOKEN=fine\nthis line has no equals sign\n")
    runtime = LocalRuntime(tmp_path / ".tova-out" / "manifest.json")
    with pytest.raises(LocalRuntimeError, match=r"\.dev\.vars:2: expected NAME=value"):
        runtime.start()
    assert not runtime.running
