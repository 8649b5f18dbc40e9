"""The seed examples deploy against the fake API with the right bindings and consumer settings, and a
second deploy changes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from console.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def deployed(fake, tmp_path, name: str, capsys) -> Path:
    pytest.importorskip("compiler.driver")
    folder = tmp_path / name
    shutil.copytree(EXAMPLES / name, folder, ignore=shutil.ignore_patterns(".tova-out", ".tova", ".dev.vars"))
    source = folder / f"{name}.tova"
    assert main(["deploy", str(source), "--yes"]) == 0
    writes = len(fake.writes())
    assert main(["deploy", str(source), "--yes"]) == 0
    assert "nothing to change" in capsys.readouterr().out and len(fake.writes()) == writes
    return source


def consumer_of(fake, queue: str) -> dict:
    queue_id = next(q["queue_id"] for q in fake.queues if q["queue_name"] == queue)
    (consumer,) = fake.consumers[queue_id]
    return consumer


def test_inference_deploys_the_real_workers_ai_binding_and_its_retrying_consumer(fake, env, tmp_path, capsys):
    deployed(fake, tmp_path, "inference", capsys)

    bindings = {b["name"]: b for b in fake.scripts["inference-analyzer"].metadata["bindings"]}
    assert bindings["AI"] == {"type": "ai", "name": "AI"}
    assert "AI" not in {b["name"] for b in fake.scripts["inference-api"].metadata["bindings"]}
    analysis = consumer_of(fake, "analysis")
    assert analysis["script"] == "inference-analyzer" and analysis["dead_letter_queue"] == "analysis-dlq"
    assert (analysis["settings"]["batch_size"], analysis["settings"]["max_retries"],
            analysis["settings"]["max_wait_time_ms"]) == (5, 2, 2000)


def test_tasks_deploys_its_batching_consumer_and_dead_letter_queue(fake, env, tmp_path, capsys):
    deployed(fake, tmp_path, "tasks", capsys)

    tasks = consumer_of(fake, "tasks")
    assert tasks["script"] == "tasks-worker" and tasks["dead_letter_queue"] == "tasks-dlq"
    assert (tasks["settings"]["batch_size"], tasks["settings"]["max_retries"]) == (10, 3)
    producer = {b["name"]: b for b in fake.scripts["tasks-api"].metadata["bindings"]}["TASKS"]
    assert producer == {"type": "queue", "name": "TASKS", "queue_name": "tasks"}


def test_pixflare_deploys_three_consumers_with_their_own_settings_and_the_backup_bucket(fake, env, tmp_path, capsys):
    deployed(fake, tmp_path, "pixflare", capsys)

    settings = {q: consumer_of(fake, q) for q in ("variants", "backups", "domains")}
    assert {q: (c["settings"]["batch_size"], c["settings"]["max_wait_time_ms"], c["dead_letter_queue"])
            for q, c in settings.items()} == {"variants": (5, 2000, "variants-dlq"), "backups": (10, 5000, "backups-dlq"),
                                              "domains": (5, 1000, "domains-dlq")}
    assert all(c["script"] == "pixflare-processor" for c in settings.values())
    assert {b["name"] for b in fake.r2} == {"images", "pixflare-backup"}
    bindings = {b["name"]: b for b in fake.scripts["pixflare-processor"].metadata["bindings"]}
    assert bindings["BACKUP_STORE"]["bucket_name"] == "pixflare-backup"
    assert {b["name"] for b in bindings.values() if b["type"] == "queue"} >= {"VARIANTS", "DOMAINS"}
