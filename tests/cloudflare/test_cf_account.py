"""What a real account does that a fresh one does not: lists longer than a page, consumers named the
API's way, a flaky workers.dev call, migrations written on Windows, a worker mid-rollout, and resources
the program no longer declares (deleted only with --prune)."""

from __future__ import annotations

import json

import pytest

from cf_fixtures import MANIFEST, write_project
from cf_helpers import deploy, queue_id
from console.targets.cloudflare.deploy import DeployError


def crowd_the_account(fake, n: int = 5) -> None:
    """Someone else's resources, made before ours so ours land on later pages."""
    for i in range(n):
        fake.create_queue({}, {"queue_name": f"other-queue-{i}"})
        fake.create_kv({}, {"title": f"other-ns-{i}"})
        fake.create_d1({}, {"name": f"other-db-{i}"})


def test_every_list_is_read_to_its_last_page(fake, env, project):
    fake.max_page = 2
    crowd_the_account(fake)
    deploy(project, env)
    fake.calls.clear()

    plan, _ = deploy(project, env)

    assert plan.empty, plan.render()
    assert fake.writes() == []
    pages = {c.query.get("page", ["1"])[0] for c in fake.calls if c.method == "GET" and c.path.endswith("/queues")}
    assert pages == {"1", "2", "3", "4"}  # 7 queues at 2 a page


def test_a_lost_deploy_state_finds_our_resources_on_later_pages_instead_of_creating_them_again(fake, env, project):
    fake.max_page = 2
    crowd_the_account(fake)
    deploy(project, env)
    for path in (project.root / ".tova").rglob("*.json"):
        path.unlink()
    fake.calls.clear()

    plan, _ = deploy(project, env)

    assert not [c for c in plan.changes if c.action == "create"], plan.render()
    assert fake.count("POST", r"/accounts/\w+/(queues|storage/kv/namespaces|d1/database)") == 0


@pytest.mark.parametrize("key", ["script", "script_name"])
def test_an_unchanged_deploy_stays_a_no_op_however_the_consumer_names_its_worker(fake, env, project, key):
    fake.consumer_script_key = key
    deploy(project, env)

    plan, _ = deploy(project, env)

    assert plan.empty, plan.render()


def test_the_workers_dev_enable_is_retried_when_cloudflare_fails_it_for_a_moment(fake, env, project):
    fake.fail("POST", r"/accounts/\w+/workers/scripts/pipeline-api/subdomain", 500, times=2)

    deploy(project, env)  # the helpers' client has the SDK's retries off: this call retries on its own

    assert fake.scripts["pipeline-api"].workers_dev
    assert fake.count("POST", r"/accounts/\w+/workers/scripts/pipeline-api/subdomain") == 3


def test_a_migration_saved_with_a_bom_and_crlf_line_ends_applies_as_written(fake, env, project):
    sql = "\ufeffCREATE TABLE notes (body TEXT);\r\nINSERT INTO notes VALUES ('first line\r\nsecond line');\r\n"
    (project.root / "migrations" / "0002_notes.sql").write_bytes(sql.encode("utf-8"))

    deploy(project, env)

    db = next(d["uuid"] for d in fake.d1 if d["name"] == "pipeline")
    assert fake.d1_sql[db].execute("SELECT body FROM notes").fetchall() == [("first line\nsecond line",)]
    names = [n for (n,) in fake.d1_sql[db].execute("SELECT name FROM d1_migrations ORDER BY id")]
    assert names == ["0001_images.sql", "0002_notes.sql"]


def test_a_secret_change_on_a_worker_mid_rollout_says_what_to_do_and_keeps_what_was_done(fake, env, project):
    deploy(project, dict(env, API_KEY="first"))
    fake.gradual.add("pipeline-api")

    with pytest.raises(DeployError) as caught:
        deploy(project, dict(env, API_KEY="second"))

    message = str(caught.value)
    assert "gradual deployment" in message and "wrangler versions deploy --name pipeline-api" in message
    assert fake.scripts["pipeline-api"].secrets["API_KEY"] == "first"
    fake.gradual.clear()
    plan, _ = deploy(project, dict(env, API_KEY="second"))
    assert [(c.kind, c.name) for c in plan.changes] == [("secrets", "pipeline-api")]
    assert fake.scripts["pipeline-api"].secrets["API_KEY"] == "second"


def smaller_program(tmp_path):
    """The pipeline without its processor: no consumers, the dead-letter queue and R2 bucket gone too."""
    smaller = json.loads(json.dumps(MANIFEST))
    smaller["workers"] = [w for w in smaller["workers"] if w["block"] == "api"]
    smaller["workers"][0]["bindings"] = [b for b in smaller["workers"][0]["bindings"] if b["kind"] != "r2"]
    smaller["queues"] = [dict(q, consumer=None) for q in smaller["queues"] if q["name"] == "process-queue"]
    return write_project(tmp_path, smaller)


def test_without_prune_what_the_program_dropped_is_listed_and_kept(fake, env, tmp_path):
    deploy(write_project(tmp_path), env)
    project = smaller_program(tmp_path)
    fake.calls.clear()

    plan, _ = deploy(project, env)

    assert [(c.kind, c.name) for c in plan.orphans] == [
        ("consumer", "process-dlq"), ("consumer", "process-queue"), ("worker", "pipeline-processor"),
        ("queue", "process-dlq"), ("R2 bucket", "images")]
    assert [c for c in fake.writes() if c.method == "DELETE"] == []
    assert "pipeline-processor" in fake.scripts and queue_id(fake, "process-dlq")


def test_prune_deletes_exactly_what_the_plan_named_and_forgets_it(fake, env, tmp_path):
    deploy(write_project(tmp_path), env)
    fake.create_queue({}, {"queue_name": "never-ours"})
    project = smaller_program(tmp_path)

    plan, d = deploy(project, env, prune=True)

    assert "- delete  worker        pipeline-processor" in plan.render()
    assert "pipeline-processor" not in fake.scripts
    assert [q["queue_name"] for q in fake.queues] == ["process-queue", "never-ours"]
    assert fake.consumers[queue_id(fake, "process-queue")] == []
    assert [b["name"] for b in fake.r2] == []
    assert "pipeline-processor" not in d.state.scripts and "process-dlq" not in d.state.queues
    again, _ = deploy(project, env, prune=True)
    assert again.empty and again.orphans == []


def test_prune_stops_with_the_apis_reason_when_a_bucket_still_holds_objects(fake, env, tmp_path):
    from console.targets.cloudflare.client import CloudflareError

    deploy(write_project(tmp_path), env)
    fake.r2_objects["images"] = 3
    project = smaller_program(tmp_path)

    with pytest.raises(CloudflareError, match="delete R2 bucket images.*not empty"):
        deploy(project, env, prune=True)

    plan, _ = deploy(project, env)  # the deletions before it happened and are recorded
    assert [(c.kind, c.name) for c in plan.orphans] == [("R2 bucket", "images")]
