"""The console's Cloudflare sources against the fake: live backlog from the queue metrics endpoint,
outcomes and worker figures from one GraphQL query per dataset (the first by minute, for the charts),
and clear errors for 403, 429, GraphQL errors and a dataset that rejects its query."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from cf_fixtures import ACCOUNT, TOKEN, write_project
from cf_helpers import deploy, queue_id, serve_figures
from console.targets.cloudflare.client import CredentialsMissing, credentials_from_env
from console.targets.cloudflare.target import CloudflareTarget
from console.targets.cloudflare.throttle import SourceError


@pytest.fixture
async def target(fake, env, project):
    deploy(project, env)
    serve_figures(fake)
    t = CloudflareTarget(project, env=env, live_logs=False)
    await t.start(lambda _: None)
    yield t
    await t.stop()


@pytest.fixture
async def http():
    async with httpx.AsyncClient(timeout=5) as client:
        yield client


async def test_target_gives_urls_secret_label_and_sources_from_the_deploy_state(target, http):
    assert target.worker_urls() == {"api": "https://pipeline-api.tova-test.workers.dev",
                                    "processor": "https://pipeline-processor.tova-test.workers.dev"}
    assert len(target.secret("TOVA_ADMIN_TOKEN")) >= 32
    assert target.secret("NOT_A_SECRET") is None
    assert target.label() == "cloudflare · account 0123…ef · 2 workers"
    assert TOKEN not in target.label()
    assert sorted(s.name for s in target.sources(http)) == ["cloudflare:queues", *ANALYTICS]


async def test_queue_metrics_source_reports_the_live_backlog(target, http):
    source = next(s for s in target.sources(http) if s.name == "cloudflare:queues")
    contribution = await source.poll()
    queues = {q.name: q for q in contribution.queues}
    assert queues["process-queue"].backlog_count == 42
    assert queues["process-queue"].backlog_bytes == 4096
    assert 85 <= queues["process-queue"].oldest_message_age_s <= 200
    assert queues["process-dlq"].backlog_count == 3
    assert queues["process-dlq"].oldest_message_age_s is None  # 0 means unknown


ANALYTICS = ["graphql:queueBacklogAdaptiveGroups", "graphql:queueConsumerMetricsAdaptiveGroups",
             "graphql:queueMessageOperationsAdaptiveGroups", "graphql:workersInvocationsAdaptive"]


async def poll_all(target, http, sources=None) -> dict[str, object]:
    return {s.name: await s.poll() for s in sources or target.sources(http) if s.name.startswith("graphql:")}


async def test_analytics_sources_report_outcomes_and_worker_figures_one_query_per_dataset(fake, target, http):
    got = await poll_all(target, http)

    assert sorted(got) == ANALYTICS
    asked = [q for q in fake.graphql_queries if "settings" not in q["query"]]
    assert len(asked) == 4 and all(q["query"].count("(limit:") == 1 for q in asked)
    invocations = next(q for q in asked if "workersInvocationsAdaptive" in q["query"])
    assert sorted(invocations["variables"]["ids"]) == ["pipeline-api", "pipeline-processor"]
    assert invocations["variables"]["accountTag"] == ACCOUNT

    queues = {q.name: q for q in got["graphql:queueMessageOperationsAdaptiveGroups"].queues}
    pq = queues["process-queue"]
    assert (pq.acked, pq.dead_lettered, pq.dropped, pq.retried) == (117, 7, 1, 150 - 117 - 7 - 1)
    assert (queues["process-dlq"].acked, queues["process-dlq"].dead_lettered) == (0, 0)
    stats = {(s.endpoint, s.key): s.value for c in got.values() for s in c.stats}
    assert stats[("queue process-queue (analytics)", "sent")] == 130
    assert stats[("queue process-queue (analytics)", "consumer_concurrency")] == 2.5
    assert stats[("queue process-queue (analytics)", "backlog_avg_5m")] == 40.5
    workers = {w.block: w.invocations for w in got["graphql:workersInvocationsAdaptive"].workers}
    assert (workers["api"].requests, workers["api"].errors, workers["api"].script_threw) == (912, 12, 12)
    assert workers["api"].cpu_p99_ms == 25.0
    assert workers["processor"].exceeded_resources == 4 and workers["api"].exceeded_resources == 0


async def test_one_rejected_dataset_marks_only_itself_down_with_the_apis_reason(fake, target, http):
    fake.dataset_errors["workersInvocationsAdaptive"] = 'unknown field "cpuTimeP50" on type "quantiles"'
    sources = {s.name: s for s in target.sources(http)}

    with pytest.raises(SourceError) as failed:
        await sources["graphql:workersInvocationsAdaptive"].poll()
    queues = await sources["graphql:queueMessageOperationsAdaptiveGroups"].poll()

    assert "workersInvocationsAdaptive" in str(failed.value) and "cpuTimeP50" in str(failed.value)
    assert {q.name: q.acked for q in queues.queues}["process-queue"] == 117


async def test_each_dataset_is_asked_with_its_docs_variable_types_and_inside_its_stated_window(fake, target, http):
    fake.dataset_limits["queueMessageOperationsAdaptiveGroups"] = {"maxDuration": 1800}
    await poll_all(target, http)

    asked = {re.search(r"(\w+)\(limit:", q["query"]).group(1): q
             for q in fake.graphql_queries if "settings" not in q["query"]}
    assert "$since: Time!" in asked["queueBacklogAdaptiveGroups"]["query"]
    assert "$since: string" in asked["workersInvocationsAdaptive"]["query"]
    ops = asked["queueMessageOperationsAdaptiveGroups"]["variables"]
    width = (graphql_epoch(ops["until"]) - graphql_epoch(ops["since"]))
    assert width <= 1800  # clamped to the stated maxDuration, not the console's hour
    inv = asked["workersInvocationsAdaptive"]["variables"]
    assert 1800 < graphql_epoch(inv["until"]) - graphql_epoch(inv["since"]) <= 3600


def graphql_epoch(text: str) -> float:
    from console.targets.cloudflare.graphql import epoch
    return epoch(text)


async def test_the_first_answer_fills_the_charts_with_the_last_hour_by_minute(fake, target, http):
    from console.model import History, Snapshot

    now = time.time()
    minute = lambda ago: time.strftime("%Y-%m-%dT%H:%M:00Z", time.gmtime(now - ago))  # noqa: E731
    pq = queue_id(fake, "process-queue")
    fake.analytics["queueMessageOperationsAdaptiveGroups"] = [
        {"count": 5, "dimensions": {"queueId": pq, "actionType": "DeleteMessage", "outcome": "dlq",
                                    "datetimeMinute": minute(ago)}} for ago in (1800, 1200, 600)]
    fake.analytics["workersInvocationsAdaptive"] = [
        {"sum": {"requests": 10, "errors": 2}, "quantiles": {"cpuTimeP50": 1000, "cpuTimeP99": 4000},
         "dimensions": {"scriptName": "pipeline-api", "status": "scriptThrewException", "datetimeMinute": minute(ago)}}
        for ago in (900, 300)]
    sources = target.sources(http)
    got = await poll_all(target, http, sources)
    history = History()
    history.record(Snapshot(taken_at=now, target="cloudflare", project="pipeline",
                            backfill=tuple(p for c in got.values() for p in c.backfill)))

    assert history.series("queue:process-queue:dead").values == [5.0, 10.0, 15.0]
    assert history.series("worker:api:errors").values == [2.0, 4.0]
    assert history.series("worker:api:cpu_p99_ms").values == [4.0, 4.0]
    for source in sources:
        source.min_interval = 0
    again = await poll_all(target, http, sources)  # later answers are totals only: the charts were filled once
    assert all(not c.backfill for c in again.values())
    assert all("datetimeMinute" not in q["query"] for q in fake.graphql_queries[-4:])


async def test_sources_ask_at_most_once_per_interval(fake, target, http):
    sources = {s.name: s for s in target.sources(http)}
    name = "graphql:queueMessageOperationsAdaptiveGroups"
    first = await sources[name].poll()
    again = await sources[name].poll()
    asked = [q for q in fake.graphql_queries if "settings" not in q["query"]]
    assert again is first and len(asked) == 1
    await sources["cloudflare:queues"].poll()
    await sources["cloudflare:queues"].poll()
    assert fake.count("GET", r"/accounts/\w+/queues/\w+/metrics") == 2  # two queues, asked once


async def test_rate_limiting_backs_off_honouring_retry_after_and_says_so(fake, target, http):
    fake.fail("GET", r"/accounts/\w+/queues/\w+/metrics", 429, message="Rate limited", code=971, times=5,
              headers={"Retry-After": "37"})
    sources = {s.name: s for s in target.sources(http)}
    with pytest.raises(SourceError) as limited:
        await sources["cloudflare:queues"].poll()
    assert "rate limited" in str(limited.value) and "Retry-After 37s" in str(limited.value)
    asked = len(fake.calls)

    # every source of the target waits it out, without a request
    for name in ("cloudflare:queues", *ANALYTICS):
        with pytest.raises(SourceError, match=r"next try in 3\ds"):
            await sources[name].poll()
    assert len(fake.calls) == asked


async def test_a_graphql_error_in_a_200_answer_is_a_clear_source_error(fake, target, http):
    fake.graphql_errors = [{"message": "cannot request data older than 2678400s", "path": ["viewer", "accounts", 0],
                            "extensions": {"code": "bad_request"}}]
    source = next(s for s in target.sources(http) if s.name == "graphql:workersInvocationsAdaptive")
    with pytest.raises(SourceError) as failed:
        await source.poll()
    assert "GraphQL" in str(failed.value) and "cannot request data older than 2678400s" in str(failed.value)


async def test_a_bad_token_gives_a_403_message_that_names_the_fix_and_not_the_token(fake, env, project, http):
    deploy(project, env)
    bad = dict(env, CLOUDFLARE_API_TOKEN="wrong-token-s3cr3t-value")
    t = CloudflareTarget(project, env=bad, live_logs=False)
    await t.start(lambda _: None)
    try:
        for source in t.sources(http):
            with pytest.raises(SourceError) as refused:
                await source.poll()
            message = str(refused.value)
            assert "403" in message and "permission" in message and "README" in message
            assert "wrong-token-s3cr3t-value" not in message
    finally:
        await t.stop()


def test_missing_credentials_name_the_variables():
    with pytest.raises(CredentialsMissing) as missing:
        credentials_from_env({})
    assert "CLOUDFLARE_API_TOKEN" in str(missing.value) and "CLOUDFLARE_ACCOUNT_ID" in str(missing.value)
    with pytest.raises(CredentialsMissing) as only_account:
        credentials_from_env({"CLOUDFLARE_API_TOKEN": "x"})
    assert "CLOUDFLARE_ACCOUNT_ID" in str(only_account.value)
    assert "CLOUDFLARE_API_TOKEN" not in str(only_account.value)


async def test_target_start_without_credentials_fails_clearly(project):
    t = CloudflareTarget(project, env={})
    with pytest.raises(CredentialsMissing, match="CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID"):
        await t.start(lambda _: None)


async def test_target_before_any_deploy_says_how_to_deploy(fake, env, project, http):
    t = CloudflareTarget(project, env=env)
    said: list[str] = []
    await t.start(said.append)
    assert t.worker_urls() == {} and "not deployed" in t.label()
    assert any("tova deploy" in line for line in said)
    assert t.sources(http) == []
    await t.stop()


async def test_the_console_deploy_action_deploys_and_reports(fake, env, project):
    t = CloudflareTarget(project, env=env)
    await t.start(lambda _: None)
    plan = await t.plan(lambda _: None)
    assert "create  worker        pipeline-api" in plan and fake.writes() == []
    said: list[str] = []
    summary = await t.deploy(said.append)
    assert summary.startswith("pipeline: ") and "tova-test.workers.dev" in summary
    assert t.worker_urls()["api"] == "https://pipeline-api.tova-test.workers.dev"
    assert any(line.strip().startswith("+ create") for line in said)
    assert await t.deploy(lambda _: None) == "nothing to change: the account matches the program"
    await t.stop()


async def test_on_another_machine_without_the_state_the_workers_are_found_on_the_account(fake, env, project, http,
                                                                                           tmp_path_factory):
    deploy(project, env)
    serve_figures(fake)
    fake.max_page = 1  # one item a page: discovery must read every page to find both workers
    elsewhere = write_project(tmp_path_factory.mktemp("jump-box"))  # same program, no .tova/ state
    t = CloudflareTarget(elsewhere, env=env)
    said: list[str] = []
    writes = len(fake.writes())
    await t.start(said.append)
    try:
        assert t.worker_urls() == {"api": "https://pipeline-api.tova-test.workers.dev",
                                   "processor": "https://pipeline-processor.tova-test.workers.dev"}
        assert t.secret("TOVA_ADMIN_TOKEN") is None
        assert any("found 2 of its workers" in line and "admin token" in line for line in said)
        queues = next(s for s in t.sources(http) if s.name == "cloudflare:queues")
        assert {q.name: q.backlog_count for q in (await queues.poll()).queues}["process-queue"] == 42
        assert not (elsewhere.root / ".tova").exists()  # discovery writes nothing
        assert len(fake.writes()) == writes
    finally:
        await t.stop()


async def test_the_fake_graphql_endpoint_rejects_a_query_with_undeclared_variables(fake, env, http):
    # keeps the fake honest: a typo in the console's query would fail here as it would on Cloudflare
    response = await http.post(f"{fake.base_url}/graphql", headers={"Authorization": f"Bearer {TOKEN}"},
                               json={"query": "query Q($accountTag: string!) { viewer { accounts(filter: "
                                              "{accountTag: $accountTag}) { workersInvocationsAdaptive(filter: "
                                              "{scriptName: $script}) { sum { requests } } } } }",
                                     "variables": {"accountTag": ACCOUNT}})
    assert response.status_code == 200
    assert response.json()["errors"][0]["message"] == "Variable $script is not defined"
