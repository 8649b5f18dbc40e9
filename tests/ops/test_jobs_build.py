"""examples/jobs builds to what its README promises, and both wrangler files validate offline."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from compiler.driver import build

ROOT = Path(__file__).resolve().parents[2]
NODE_BIN = ROOT / "runtime" / "node_modules" / ".bin"


@pytest.fixture(scope="module")
def jobs_build(tmp_path_factory):
    return build(ROOT / "examples" / "jobs" / "jobs.tova", tmp_path_factory.mktemp("jobs-out"))


def test_the_consumer_settings_and_the_dead_letter_store_reach_the_manifest(jobs_build):
    queues = {q["name"]: q for q in jobs_build.manifest["queues"]}
    jobs = queues["jobs"]["consumer"]
    assert (jobs["worker"], jobs["max_batch_size"], jobs["max_retries"], jobs["dead_letter_queue"]) == ("worker", 1, 3, "jobs-dlq")
    assert queues["jobs-dlq"]["dead_letter_for"] == "jobs" and queues["jobs-dlq"]["consumer"]["worker"] == "worker"
    assert queues["notifications"]["consumer"]["worker"] == "worker"
    workers = {w["block"]: w for w in jobs_build.manifest["workers"]}
    assert workers["worker"]["dead_letter_stores"] == ["jobs-dlq"]
    assert [s["name"] for s in workers["api"]["schedules"]] == ["daily-report"]
    assert [s["name"] for s in workers["worker"]["schedules"]] == ["sweep-stale"]


@pytest.mark.parametrize("config", ["wrangler.api.toml", "wrangler.worker.toml"])
def test_wrangler_accepts_the_generated_config(jobs_build, config):
    env = {**os.environ, "PATH": f"{NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}", "WRANGLER_SEND_METRICS": "false", "CI": "true"}
    result = subprocess.run([str(NODE_BIN / "wrangler"), "deploy", "--dry-run", "-c", config],
                            cwd=jobs_build.out_dir, capture_output=True, text=True, timeout=180, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "--dry-run: exiting now." in result.stdout
