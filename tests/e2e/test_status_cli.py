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

pytest.importorskip("compiler.driver", reason="needs the compiler (helper compiler)")
pytest.importorskip("console.targets.local.target", reason="needs the local target (helper local)")

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


def test_status_human_summary_on_the_pipeline(pipeline):
    result = tova("status", str(pipeline), "--quiet")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pipeline on local" in result.stdout
    assert "process-queue" in result.stdout and "daily-report" in result.stdout
    assert "sources down: none" in result.stdout


def test_status_of_a_program_that_does_not_compile(tmp_path):
    bad = tmp_path / "bad.tova"
    bad.write_text('edge "api" {\n  route GET "/x" => fn(req) { nope_unknown }\n}\n')
    result = tova("status", str(bad), "--json")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "bad.tova:2:" in result.stderr and "^" in result.stderr
