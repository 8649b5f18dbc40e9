"""`tova deploy` against the fake Cloudflare API, through the real SDK: from nothing, again, after a
change, and after a failure midway."""

from __future__ import annotations

import json
import os
import stat

import pytest

from cf_fixtures import ACCOUNT, TOKEN, write_project, MANIFEST
from cf_helpers import deploy, deployer
from console.targets.cloudflare.client import CloudflareError
from console.targets.cloudflare.state import state_path

CREATES = {
    "KV namespaces": ("POST", r"/accounts/\w+/storage/kv/namespaces"),
    "D1 databases": ("POST", r"/accounts/\w+/d1/database"),
    "R2 buckets": ("POST", r"/accounts/\w+/r2/buckets"),
    "queues": ("POST", r"/accounts/\w+/queues"),
    "uploads": ("PUT", r"/accounts/\w+/workers/scripts/[\w-]+"),
    "consumers": ("POST", r"/accounts/\w+/queues/\w+/consumers"),
    "workers.dev": ("POST", r"/accounts/\w+/workers/scripts/[\w-]+/subdomain"),
}


def created(fake) -> dict[str, int]:
    return {what: fake.count(method, pattern) for what, (method, pattern) in CREATES.items()}


def test_deploy_from_nothing_creates_every_resource_once_with_the_right_bindings(fake, env, project):
    lines: list[str] = []
    plan, _ = deploy(project, env, lines.append)

    assert created(fake) == {"KV namespaces": 1, "D1 databases": 2, "R2 buckets": 1, "queues": 2, "uploads": 2,
                             "consumers": 2, "workers.dev": 2}
    assert [ns["title"] for ns in fake.kv] == ["pipeline-metadata"]
    assert sorted(db["name"] for db in fake.d1) == ["pipeline", "pipeline-tova-ops"]
    assert [b["name"] for b in fake.r2] == ["images"]
    assert sorted(q["queue_name"] for q in fake.queues) == ["process-dlq", "process-queue"]

    ids = {"kv": fake.kv[0]["id"], **{db["name"]: db["uuid"] for db in fake.d1}}
    api = fake.scripts["pipeline-api"]
    assert api.metadata["main_module"] == "pipeline.edge.api.js"
    assert "pipeline.edge.api.js" in api.modules
    bindings = {b["name"]: b for b in api.metadata["bindings"]}
    assert bindings["METADATA"] == {"type": "kv_namespace", "name": "METADATA", "namespace_id": ids["kv"]}
    assert bindings["DB"]["id"] == ids["pipeline"]
    assert bindings["TOVA_OPS"]["id"] == ids["pipeline-tova-ops"]
    assert bindings["IMAGES"] == {"type": "r2_bucket", "name": "IMAGES", "bucket_name": "images"}
    assert bindings["PROCESS_QUEUE"] == {"type": "queue", "name": "PROCESS_QUEUE", "queue_name": "process-queue"}
    assert bindings["MAX_FILE_SIZE"] == {"type": "plain_text", "name": "MAX_FILE_SIZE", "text": "10485760"}
    assert "TODO_" not in json.dumps(api.metadata)

    queue_ids = {q["queue_name"]: q["queue_id"] for q in fake.queues}
    [consumer] = fake.consumers[queue_ids["process-queue"]]
    assert consumer["script"] == "pipeline-processor"
    assert consumer["dead_letter_queue"] == "process-dlq"
    assert consumer["settings"] == {"batch_size": 5, "max_wait_time_ms": 2000, "max_retries": 2, "retry_delay": 10,
                                    "max_concurrency": None}
    [dlq_consumer] = fake.consumers[queue_ids["process-dlq"]]
    assert dlq_consumer["script"] == "pipeline-processor" and dlq_consumer["dead_letter_queue"] == ""

    assert fake.scripts["pipeline-processor"].schedules == ["0 9 * * *"]
    assert fake.scripts["pipeline-api"].schedules == []
    assert set(api.secrets) == {"API_KEY", "TOVA_ADMIN_TOKEN"}
    assert set(fake.scripts["pipeline-processor"].secrets) == {"TOVA_ADMIN_TOKEN"}
    assert all(s.workers_dev for s in fake.scripts.values())

    # the migration ran once on the program's database and is recorded in wrangler's table
    db = fake.d1_sql[ids["pipeline"]]
    assert db.execute("SELECT name FROM d1_migrations").fetchall() == [("0001_images.sql",)]
    assert db.execute("SELECT count(*) FROM images").fetchone() == (0,)

    path = state_path(project.root, "pipeline", ACCOUNT)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    state = json.loads(path.read_text())
    assert state["urls"] == {"api": "https://pipeline-api.tova-test.workers.dev",
                             "processor": "https://pipeline-processor.tova-test.workers.dev"}
    admin = state["secret_values"]["TOVA_ADMIN_TOKEN"]
    assert api.secrets["TOVA_ADMIN_TOKEN"] == admin == fake.scripts["pipeline-processor"].secrets["TOVA_ADMIN_TOKEN"]
    assert len(admin) >= 32
    assert state["migrations"] == {"pipeline": ["0001_images.sql"]}
    assert any("creating queue process-queue" in line for line in lines)


def test_a_second_deploy_with_nothing_changed_makes_no_create_or_update_call(fake, env, project):
    deploy(project, env)
    admin = json.loads(state_path(project.root, "pipeline", ACCOUNT).read_text())["secret_values"]["TOVA_ADMIN_TOKEN"]
    before = len(fake.calls)

    plan, _ = deploy(project, env)

    assert plan.empty, plan.render()
    assert "nothing to change" in plan.render()
    assert [c for c in fake.calls[before:] if c.method != "GET"] == []
    assert json.loads(state_path(project.root, "pipeline", ACCOUNT).read_text())["secret_values"]["TOVA_ADMIN_TOKEN"] == admin


def test_a_changed_consumer_setting_updates_that_consumer_only(fake, env, tmp_path):
    project = write_project(tmp_path)
    deploy(project, env)
    changed = json.loads(json.dumps(MANIFEST))
    changed["queues"][0]["consumer"]["max_batch_size"] = 25
    write_project(tmp_path, changed)
    before = len(fake.calls)

    plan, _ = deploy(project, env)

    assert [(c.kind, c.action, c.name) for c in plan.changes] == [("consumer", "update", "process-queue")]
    writes = [(c.method, c.path) for c in fake.calls[before:] if c.method != "GET"]
    assert len(writes) == 1 and writes[0][0] == "PUT" and "/consumers/" in writes[0][1]
    queue_id = next(q["queue_id"] for q in fake.queues if q["queue_name"] == "process-queue")
    assert fake.consumers[queue_id][0]["settings"]["batch_size"] == 25


def test_changed_code_uploads_that_worker_again_and_keeps_its_secrets(fake, env, tmp_path):
    project = write_project(tmp_path)
    deploy(project, env)
    secrets_before = dict(fake.scripts["pipeline-api"].secrets)
    (project.out_dir / "pipeline.edge.api.js").write_text("export default { fetch() { return new Response('v2'); } };\n")
    before = len(fake.calls)

    plan, _ = deploy(project, env)

    assert [(c.kind, c.action, c.name) for c in plan.changes] == [("worker", "update", "pipeline-api")]
    assert [c.method for c in fake.calls[before:] if c.method != "GET"] == ["PUT"]
    assert fake.scripts["pipeline-api"].modules["pipeline.edge.api.js"].endswith(b"'v2'); } };\n")
    assert fake.scripts["pipeline-api"].secrets == secrets_before


def test_a_failing_call_midway_leaves_a_state_the_next_deploy_completes(fake, env, project):
    fake.fail("PUT", r"/accounts/\w+/workers/scripts/pipeline-processor", 500, message="upstream timeout")
    with pytest.raises(CloudflareError) as failed:
        deploy(project, env)
    assert "upload worker pipeline-processor" in str(failed.value)
    assert "upstream timeout" in str(failed.value)
    state = json.loads(state_path(project.root, "pipeline", ACCOUNT).read_text())
    assert "pipeline-api" in state["scripts"] and "pipeline-processor" not in state["scripts"]

    plan, _ = deploy(project, env)

    assert {(c.kind, c.name) for c in plan.changes} >= {("worker", "pipeline-processor"), ("consumer", "process-queue")}
    assert ("worker", "pipeline-api") not in {(c.kind, c.name) for c in plan.changes}
    # every resource exists once, the failed upload was retried, nothing was made twice
    assert created(fake) == {"KV namespaces": 1, "D1 databases": 2, "R2 buckets": 1, "queues": 2, "uploads": 3,
                             "consumers": 2, "workers.dev": 2}
    assert fake.scripts["pipeline-processor"].schedules == ["0 9 * * *"]
    assert json.loads(state_path(project.root, "pipeline", ACCOUNT).read_text())["urls"].keys() == {"api", "processor"}
    assert deploy(project, env)[0].empty


def test_a_migration_is_applied_once_even_when_the_state_file_is_lost(fake, env, project):
    deploy(project, env)
    state_path(project.root, "pipeline", ACCOUNT).unlink()

    plan, _ = deploy(project, env)

    assert not any(c.kind == "migration" for c in plan.changes)
    db_id = next(db["uuid"] for db in fake.d1 if db["name"] == "pipeline")
    assert fake.d1_sql[db_id].execute("SELECT count(*) FROM d1_migrations").fetchone() == (1,)
    assert created(fake)["D1 databases"] == 2 and created(fake)["queues"] == 2


def test_success_false_on_http_200_is_an_error_not_a_silent_none(fake, env, project):
    fake.fail("POST", r"/accounts/\w+/queues", 200, message="queue limit reached for this account", code=11010)
    with pytest.raises(CloudflareError) as failed:
        deploy(project, env)
    message = str(failed.value)
    assert "create queue" in message and "success: false" in message and "queue limit reached" in message


def test_the_plan_is_shown_before_anything_is_created(fake, env, project):
    d = deployer(project, env)
    plan = d.survey()
    assert fake.writes() == []
    text = plan.render()
    for expected in ("create  KV namespace  pipeline-metadata", "create  D1 database   pipeline-tova-ops",
                     "create  queue         process-dlq", "apply   migration     pipeline/0001_images.sql",
                     "create  worker        pipeline-api", "create  consumer      process-queue"):
        assert expected in text
    assert TOKEN not in text


def test_no_workers_dev_subdomain_is_a_clear_error(fake, env, project):
    fake.subdomain = None
    from console.targets.cloudflare.deploy import DeployError

    with pytest.raises(DeployError, match="no workers.dev subdomain"):
        deploy(project, env)
    assert fake.writes() == []


def test_rate_limiting_during_a_deploy_says_when_to_retry(fake, env, project):
    fake.fail("GET", r"/accounts/\w+/queues", 429, message="Rate limited. Please wait and consider throttling your "
              "request speed", code=971, headers={"Retry-After": "12"})
    with pytest.raises(CloudflareError) as limited:
        deploy(project, env)
    message = str(limited.value)
    assert "list queues" in message and "rate limited" in message and "retry after 12s" in message
    assert fake.writes() == []


def test_a_state_file_of_another_project_is_not_used(fake, env, tmp_path):
    from console.targets.cloudflare.state import DeployState, StateError

    path = state_path(tmp_path, "pipeline", ACCOUNT)
    DeployState(path=path, project="jobs", account_id=ACCOUNT).save()
    with pytest.raises(StateError, match="move it aside"):
        DeployState.load(path, "pipeline", ACCOUNT)


def test_existing_resources_are_found_by_name_across_pages_not_created_again(fake, env, project):
    # an account with history: more namespaces and buckets than one page holds, ours on the last page
    for i in range(150):
        fake.create_kv({}, {"title": f"other-{i:03}"})
    kv_id = fake.create_kv({}, {"title": "pipeline-metadata"})[1]["result"]["id"]
    for i in range(1000):
        fake.r2.append({"name": f"bucket-{i:04}", "creation_date": "2026-01-01T00:00:00Z"})
    fake.create_r2({}, {"name": "images"})
    db_id = fake.create_d1({}, {"name": "pipeline"})[1]["result"]["uuid"]
    fake.create_queue({}, {"queue_name": "process-queue"})
    fake.calls.clear()

    plan, _ = deploy(project, env)

    creates = {(c.kind, c.name) for c in plan.changes if c.action == "create"}
    assert ("KV namespace", "pipeline-metadata") not in creates and ("R2 bucket", "images") not in creates
    assert ("D1 database", "pipeline") not in creates and ("queue", "process-queue") not in creates
    assert fake.count("POST", r"/accounts/\w+/storage/kv/namespaces") == 0
    assert fake.count("POST", r"/accounts/\w+/r2/buckets") == 0
    assert fake.count("POST", r"/accounts/\w+/d1/database") == 1  # only the ops database is new
    assert fake.count("POST", r"/accounts/\w+/queues") == 1  # only the DLQ is new
    assert fake.count("GET", r"/accounts/\w+/storage/kv/namespaces") == 2  # two pages, no empty third
    assert fake.count("GET", r"/accounts/\w+/r2/buckets") == 2  # followed the cursor
    bindings = {b["name"]: b for b in fake.scripts["pipeline-api"].metadata["bindings"]}
    assert bindings["METADATA"]["namespace_id"] == kv_id and bindings["DB"]["id"] == db_id


def test_a_program_secret_comes_from_the_environment_and_a_new_value_is_set_again(fake, env, project):
    deploy(project, dict(env, API_KEY="first-key"))
    assert fake.scripts["pipeline-api"].secrets["API_KEY"] == "first-key"
    assert deploy(project, dict(env, API_KEY="first-key"))[0].empty
    assert deploy(project, env)[0].empty  # unset later: the deployed value stays

    before = len(fake.calls)
    plan, _ = deploy(project, dict(env, API_KEY="second-key"))

    assert [(c.kind, c.name, c.detail) for c in plan.changes] == [
        ("secrets", "pipeline-api", "API_KEY from the environment")]
    assert [(c.method, c.body["name"]) for c in fake.calls[before:] if c.method != "GET"] == [("PUT", "API_KEY")]
    assert fake.scripts["pipeline-api"].secrets["API_KEY"] == "second-key"


def test_a_worker_removed_from_the_program_is_left_alone_and_mentioned(fake, env, tmp_path):
    project = write_project(tmp_path)
    deploy(project, env)
    smaller = json.loads(json.dumps(MANIFEST))
    smaller["workers"] = [w for w in smaller["workers"] if w["block"] == "api"]
    smaller["queues"] = [dict(q, consumer=None) for q in smaller["queues"]]
    write_project(tmp_path, smaller)
    before = len(fake.calls)

    plan, _ = deploy(project, env)

    assert plan.empty
    consumed = sorted(q["name"] for q in MANIFEST["queues"] if q.get("consumer"))
    assert [(c.kind, c.name) for c in plan.orphans] == [*(("consumer", q) for q in consumed),
                                                         ("worker", "pipeline-processor")]
    rendered = plan.render()
    assert "no longer in the program (kept; `tova deploy --prune` deletes them)" in rendered
    assert "worker pipeline-processor" in rendered
    assert [c for c in fake.calls[before:] if c.method != "GET"] == []
    assert "pipeline-processor" in fake.scripts


def test_dropping_a_setting_from_the_program_puts_cloudflares_default_back(fake, env, tmp_path):
    with_concurrency = json.loads(json.dumps(MANIFEST))
    with_concurrency["queues"][0]["consumer"]["max_concurrency"] = 4
    project = write_project(tmp_path, with_concurrency)
    deploy(project, env)
    queue_id = next(q["queue_id"] for q in fake.queues if q["queue_name"] == "process-queue")
    assert fake.consumers[queue_id][0]["settings"]["max_concurrency"] == 4

    write_project(tmp_path)  # max_concurrency unset again
    plan, _ = deploy(project, env)

    assert [(c.kind, c.action) for c in plan.changes] == [("consumer", "update")]
    assert fake.consumers[queue_id][0]["settings"]["max_concurrency"] is None
    assert deploy(project, env)[0].empty


def test_ids_written_in_the_program_are_used_as_they_are(fake, env, tmp_path):
    kv_id = fake.create_kv({}, {"title": "hand-made"})[1]["result"]["id"]
    db_id = fake.create_d1({}, {"name": "legacy-db"})[1]["result"]["uuid"]
    given = json.loads(json.dumps(MANIFEST))
    for w in given["workers"]:
        for b in w["bindings"]:
            if b["name"] == "METADATA":
                b["id"] = kv_id
            if b["name"] == "DB":
                b.update(database_name="legacy-db", database_id=db_id)
    given["migrations"][0]["database_name"] = "legacy-db"
    project = write_project(tmp_path, given)
    fake.calls.clear()

    deploy(project, env)

    assert fake.count("POST", r"/accounts/\w+/storage/kv/namespaces") == 0
    assert [db["name"] for db in fake.d1] == ["legacy-db", "pipeline-tova-ops"]
    bindings = {b["name"]: b for b in fake.scripts["pipeline-api"].metadata["bindings"]}
    assert bindings["METADATA"]["namespace_id"] == kv_id and bindings["DB"]["id"] == db_id
    assert fake.d1_sql[db_id].execute("SELECT name FROM d1_migrations").fetchall() == [("0001_images.sql",)]
    assert deploy(project, env)[0].empty


def test_a_second_deploy_while_one_runs_is_refused(fake, env, project):
    from console.targets.cloudflare.state import StateError, deploy_lock

    path = state_path(project.root, "pipeline", ACCOUNT)
    with deploy_lock(path):
        with pytest.raises(StateError, match="another deploy"):
            with deploy_lock(path):
                pass
    with deploy_lock(path):  # released when the first one ends
        pass
