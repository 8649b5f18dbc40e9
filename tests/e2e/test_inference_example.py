"""examples/inference (seed 002) on workerd: content accepted at once, analysed by the consumer through
the labelled Workers AI stand-in, a poisoned input retried with a delay and dead-lettered with its
reason, then corrected and replayed to completion. Its wrangler files validate offline."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
import pytest

from compiler.driver import build
from tests.e2e.seed_examples import api_client, ops_client, running_example

ROOT = Path(__file__).resolve().parents[2]
NODE_BIN = ROOT / "runtime" / "node_modules" / ".bin"


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with running_example("inference", tmp_path_factory.mktemp("inference")) as rt:
        yield rt


@pytest.fixture(scope="module")
def api(runtime):
    with api_client(runtime) as client:
        yield client


@pytest.fixture(scope="module")
def ops(runtime):
    with ops_client(runtime, "analyzer") as client:
        yield client


def test_content_is_accepted_at_once_and_analysed_by_the_consumer(api, eventually):
    accepted = api.post("/api/analyses", json={"text": "I love it, it works great"})
    assert accepted.status_code == 202 and accepted.headers["Location"] == accepted.json()["status_url"]
    done = eventually(lambda: (row := api.get(accepted.json()["status_url"]).json())["status"] == "completed" and row)
    assert (done["label"], done["runs"], done["attempts"]) == ("POSITIVE", 1, 1)
    negative = api.post("/api/analyses", json={"text": "awful, slow and broken"}).json()
    assert eventually(lambda: api.get(negative["status_url"]).json()["label"]) == "NEGATIVE"


def test_the_stand_in_says_what_it_is_in_the_logs(runtime, eventually):
    lines = eventually(lambda: [line for line in runtime.recent_logs() if "Workers AI" in line.message])
    assert any("no local runtime" in line.message and "stand-in" in line.message and "TOVA_AI_FAIL" in line.message
               for line in lines)


def test_bad_bodies_are_refused(api):
    assert api.post("/api/analyses", json={"text": ""}).status_code == 422
    assert api.post("/api/analyses", content=b"not json", headers={"Content-Type": "application/json"}).status_code == 400
    assert api.get("/api/analyses/nope").status_code == 404
    assert httpx.post(str(api.base_url) + "/api/analyses", json={"text": "x"}).status_code == 401


def test_a_poisoned_input_is_retried_then_dead_lettered_with_its_reason_and_a_replay_completes_it(api, ops, eventually):
    poisoned = api.post("/api/analyses", json={"text": "please TOVA_AI_FAIL this one"}).json()
    letter = eventually(lambda: next((m for m in ops.get("/__tova/dlq").json()["messages"]
                                      if m["body"]["analysis_id"] == poisoned["id"]), None), timeout=90)
    assert letter["queue"] == "analysis" and letter["dlq"] == "analysis-dlq"
    assert letter["attempts"] == 3  # max_retries 2: three deliveries, each retried with a delay
    assert letter["error"] == (f"inference failed for analysis {poisoned['id']}: "
                               "Workers AI stand-in: failing as asked (the input contains TOVA_AI_FAIL)")
    assert api.get(poisoned["status_url"]).json()["status"] == "failed"

    assert api.put(f"/api/analyses/{poisoned['id']}/input", json={"text": "fixed, and nice"}).status_code == 200
    replay = ops.post("/__tova/dlq/replay", json={"ids": [letter["id"]]}).json()
    assert replay["replayed"] == [letter["id"]]

    done = eventually(lambda: (row := api.get(poisoned["status_url"]).json())["status"] == "completed" and row, timeout=60)
    assert (done["label"], done["runs"], done["error"]) == ("POSITIVE", 1, None)
    eventually(lambda: all(m["id"] != letter["id"] for m in ops.get("/__tova/dlq").json()["messages"]), timeout=60)


def test_stats_count_every_state(api, eventually):
    stats = eventually(lambda: (s := api.get("/api/stats").json())["pending"] == 0 and s["in_progress"] == 0 and s)
    assert stats["total"] == stats["completed"] + stats["failed"] >= 3


@pytest.mark.parametrize("config", ["wrangler.api.toml", "wrangler.analyzer.toml"])
def test_wrangler_accepts_the_generated_config_with_its_ai_binding(tmp_path, config):
    built = build(ROOT / "examples" / "inference" / "inference.tova", tmp_path / "out")
    if config == "wrangler.analyzer.toml":
        assert '[ai]\nbinding = "AI"' in (built.out_dir / config).read_text()
    env = {**os.environ, "PATH": f"{NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}", "WRANGLER_SEND_METRICS": "false", "CI": "true"}
    result = subprocess.run([str(NODE_BIN / "wrangler"), "deploy", "--dry-run", "-c", config],
                            cwd=built.out_dir, capture_output=True, text=True, timeout=180, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    if config == "wrangler.analyzer.toml":
        assert "env.AI" in result.stdout  # wrangler lists the binding it read
