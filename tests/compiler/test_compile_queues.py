"""Queues across blocks: consumer settings, dead-letter queues and the bindings they imply, in the
manifest and in wrangler files that wrangler itself accepts."""

from __future__ import annotations

import subprocess

import pytest

from compiler.driver import build
from tova_testkit import NODE_BIN, node_env

JOBS = '''
edge "api" {
  queue JOBS
  kv CACHE { id: "abc123" }
  sql STORE { database: "jobs-db", id: "d1-id" }
  storage FILES { bucket: "job-files" }
  route POST "/jobs" => fn(req) {
    await JOBS.send(await req.json())
    { queued: true }
  }
}

edge "worker" {
  consume JOBS {
    max_batch_size: 1,
    max_batch_timeout: 5,
    max_retries: 3,
    retry_delay: 10,
    dead_letter_queue: "jobs-dlq",
    max_concurrency: 2
  } fn(messages) {
    for msg in messages {
      if msg.body.poison {
        throw Error.new("poisoned job {msg.body.id}")
      }
    }
  }
}
'''


@pytest.fixture(scope="module")
def jobs_build(tmp_path_factory):
    folder = tmp_path_factory.mktemp("jobs")
    program = folder / "jobs.tova"
    program.write_text(JOBS)
    return build(program)


def test_consumer_settings_and_dead_letter_queue_in_manifest(jobs_build):
    queues = {q["name"]: q for q in jobs_build.manifest["queues"]}
    assert queues["jobs"] == {
        "name": "jobs",
        "binding": "JOBS",
        "producers": ["api"],
        "consumer": {
            "worker": "worker",
            "max_batch_size": 1,
            "max_batch_timeout": 5,
            "max_retries": 3,
            "retry_delay": 10,
            "dead_letter_queue": "jobs-dlq",
            "max_concurrency": 2,
        },
        "dead_letter_for": None,
    }
    dlq = queues["jobs-dlq"]
    assert dlq["dead_letter_for"] == "jobs"
    assert dlq["producers"] == []
    assert dlq["consumer"]["worker"] == "worker"
    assert all(dlq["consumer"][k] is None for k in dlq["consumer"] if k != "worker")


def test_the_consumer_block_stores_dead_letters_and_can_replay(jobs_build):
    workers = {w["block"]: w for w in jobs_build.manifest["workers"]}
    worker = workers["worker"]
    assert worker["consumes"] == ["jobs"]
    assert worker["dead_letter_stores"] == ["jobs-dlq"]
    assert {"kind": "queue", "name": "JOBS", "queue": "jobs"} in worker["bindings"]
    api = workers["api"]
    assert api["dead_letter_stores"] == [] and api["consumes"] == []
    assert {"kind": "kv", "name": "CACHE", "id": "abc123"} in api["bindings"]
    assert {"kind": "d1", "name": "STORE", "database_name": "jobs-db", "database_id": "d1-id"} in api["bindings"]
    assert {"kind": "r2", "name": "FILES", "bucket_name": "job-files"} in api["bindings"]
    module = (jobs_build.out_dir / "jobs.edge.worker.js").read_text()
    assert 'deadLetterStores: [{"dlq": "jobs-dlq", "source": "jobs", "sourceBinding": "JOBS"}]' in module
    assert 'maxRetries: 3, dlq: "jobs-dlq"' in module


def test_wrangler_carries_every_consumer_setting_and_validates(jobs_build):
    text = (jobs_build.out_dir / "wrangler.worker.toml").read_text()
    for line in [
        'queue = "jobs"', "max_batch_size = 1", "max_batch_timeout = 5", "max_retries = 3", "retry_delay = 10",
        'dead_letter_queue = "jobs-dlq"', "max_concurrency = 2", 'queue = "jobs-dlq"',
    ]:
        assert line in text
    for config in ("wrangler.api.toml", "wrangler.worker.toml"):
        result = subprocess.run(
            [str(NODE_BIN / "wrangler"), "deploy", "--dry-run", "-c", config],
            cwd=jobs_build.out_dir, capture_output=True, text=True, timeout=120, env=node_env(),
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_unnamed_block_builds_a_worker_named_after_the_project(tmp_path):
    program = tmp_path / "hello.tova"
    program.write_text('edge {\n  route GET "/" => fn(req) { "hi" }\n}\n')
    result = build(program)
    worker = result.manifest["workers"][0]
    assert (worker["name"], worker["module"], worker["config"]) == ("hello", "hello.edge.js", "wrangler.toml")
    assert (result.out_dir / "hello.edge.js").exists()


def test_rebuild_removes_outputs_of_blocks_that_are_gone_and_keeps_other_files(tmp_path):
    program = tmp_path / "app.tova"
    program.write_text('edge "a" {\n}\nedge "b" {\n}\n')
    first = build(program)
    assert (first.out_dir / "app.edge.b.js").exists()
    mine = first.out_dir / "wrangler.extra.toml"
    mine.write_text("# the user's own file\n")
    program.write_text('edge "a" {\n}\n')
    second = build(program)
    names = sorted(p.name for p in second.out_dir.iterdir())
    assert names == ["app.edge.a.js", "manifest.json", "wrangler.a.toml", "wrangler.extra.toml"]
    assert [w["block"] for w in second.manifest["workers"]] == ["a"]
