"""A program with a dead-letter queue, built by the real compiler, deployed to the fake account: the
consumer settings written in Tova are the ones Cloudflare gets."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from cf_helpers import deploy

build = pytest.importorskip("compiler.driver", reason="the compiler (helper `compiler`) is not on main yet").build

JOBS = '''
edge "api" {
  queue JOBS
  kv CACHE
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
  schedule "sweep" cron("*/5 * * * *") {
    print("sweep")
  }
}
'''


@pytest.fixture
def jobs(tmp_path):
    program = tmp_path / "jobs.tova"
    program.write_text(JOBS)
    result = build(program)
    return SimpleNamespace(root=tmp_path, manifest_path=result.manifest_path, manifest=result.manifest)


def test_a_compiled_program_with_a_dead_letter_queue_deploys_with_its_settings(fake, env, jobs):
    deploy(jobs, env)

    queues = {q["queue_name"]: q["queue_id"] for q in fake.queues}
    assert set(queues) == {"jobs", "jobs-dlq"}
    [consumer] = fake.consumers[queues["jobs"]]
    worker_script = next(w["name"] for w in jobs.manifest["workers"] if w["block"] == "worker")
    assert consumer["script"] == worker_script
    assert consumer["dead_letter_queue"] == "jobs-dlq"
    assert consumer["settings"] == {"batch_size": 1, "max_wait_time_ms": 5000, "max_retries": 3, "retry_delay": 10,
                                    "max_concurrency": 2}
    # the DLQ's generated consumer lives in the same worker as the source queue's (contracts §1)
    [dlq_consumer] = fake.consumers[queues["jobs-dlq"]]
    assert dlq_consumer["script"] == worker_script and dlq_consumer["dead_letter_queue"] == ""
    bindings = {b["name"]: b for b in fake.scripts[worker_script].metadata["bindings"]}
    assert bindings["JOBS"] == {"type": "queue", "name": "JOBS", "queue_name": "jobs"}  # for replay
    assert fake.scripts[worker_script].schedules == ["*/5 * * * *"]
    assert "TOVA_ADMIN_TOKEN" in fake.scripts[worker_script].secrets

    before = len(fake.writes())
    assert deploy(jobs, env)[0].empty
    assert len(fake.writes()) == before
