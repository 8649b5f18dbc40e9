import logging

import httpx
import pytest

from console.model import Health
from console.ops_client import OpsClient, OpsError
from console.sources.base import SourceError
from console.sources.crons import CronsSource, next_run
from console.sources.dead_letters import DeadLettersSource
from console.sources.health import HealthSource
from console.sources.ops_queues import QueuesSource
from console.sources.stats import StatsSource, numeric_fields
from console.manifest import Schedule

from core_fakes import API_KEY, TOKEN, URLS, FakeOps


@pytest.fixture
async def http(ops):
    async with httpx.AsyncClient(transport=ops.transport(), timeout=2) as client:
        yield client


def client(http, block, token=TOKEN):
    return OpsClient(http, block, URLS[block], token)


async def test_health_reports_status_and_checks(http):
    c = await HealthSource(client(http, "api"), "api", "jobs-api", "/healthz").poll()
    (worker,) = c.workers
    assert worker.health is Health.OK
    assert worker.checks[0].name == "memory" and worker.checks[0].status is Health.UNAVAILABLE
    assert worker.checks[0].detail == "runtime reports zero heap"
    assert worker.memory.heap_used is None  # unavailable is never shown as a made-up 0


async def test_health_503_with_a_down_check():
    def handler(request):
        return httpx.Response(503, json={"status": "down", "worker": "api",
                                         "checks": {"d1:DB": {"status": "down", "error": "no such table"}}})
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        c = await HealthSource(OpsClient(http, "api", "http://api.test", None), "api", "x", "/healthz").poll()
    assert c.workers[0].health is Health.DOWN
    assert c.workers[0].error == "checks down: d1:DB"
    assert c.workers[0].checks[0].detail == "no such table"


async def test_unreachable_worker_raises_source_error_and_shows_down(http, ops):
    ops.down.add("api")
    source = HealthSource(client(http, "api"), "api", "jobs-api", "/healthz")
    with pytest.raises(SourceError, match="connection refused"):
        await source.poll()
    shown = source.when_down("connection refused", None)
    assert shown.workers[0].health is Health.DOWN and shown.workers[0].error == "connection refused"


def test_numeric_fields_flatten_every_number():
    body = {"total": 3, "nested": {"a": 1.5, "flag": True, "s": "x"}, "list": [{"n": 2}, 4], "none": None}
    assert dict(numeric_fields(body)) == {"total": 3.0, "nested.a": 1.5, "list.0.n": 2.0, "list.1": 4.0}
    assert dict(numeric_fields(5)) == {"value": 5.0}


async def test_stats_sends_configured_headers(http, ops):
    c = await StatsSource(client(http, "api"), "api /api/stats", "/api/stats", {"X-API-Key": API_KEY}).poll()
    assert {(s.key, s.value) for s in c.stats} == {("total", 7.0), ("pending", 2.0), ("by_status.failed", 1.0)}
    assert all(s.endpoint == "api /api/stats" for s in c.stats)
    assert ops.requests[-1].headers["X-API-Key"] == API_KEY
    assert "Authorization" not in ops.requests[-1].headers  # the admin token is not sent to user routes


async def test_stats_wrong_key_explains_without_leaking(http):
    with pytest.raises(SourceError) as caught:
        await StatsSource(client(http, "api"), "api /api/stats", "/api/stats", {"X-API-Key": "wrong-key-value"}).poll()
    assert "401" in str(caught.value) and "Invalid API key" in str(caught.value) and "tova.toml" in str(caught.value)
    assert "wrong-key-value" not in str(caught.value)


async def test_queues_parse_backlog_age_and_counters(http):
    c = await QueuesSource(client(http, "worker"), "worker").poll()
    (queue,) = c.queues
    assert (queue.backlog_count, queue.backlog_bytes) == (3, 90)
    assert 4 <= queue.oldest_message_age_s < 60
    assert (queue.acked, queue.retried, queue.dead_lettered, queue.dropped, queue.last_error) == (10, 4, 2, 1, "boom")


async def test_queues_with_empty_backlog_have_no_age(http, ops):
    ops.backlog = 0
    c = await QueuesSource(client(http, "api"), "api").poll()
    assert c.queues[0].backlog_count == 0 and c.queues[0].oldest_message_age_s is None
    assert c.queues[0].acked is None  # the producer side has no counters


async def test_dead_letters_page_through_the_store(http, ops):
    ops.add_dead(250)
    c = await DeadLettersSource(client(http, "worker"), "worker", cap=220).poll()
    assert c.dead_letter_total == 250
    assert len(c.dead_letters) == 220
    assert c.dead_letters[0].id == "m249"  # newest last_seen first
    assert c.dead_letters[0].error == "boom 249" and c.dead_letters[0].body == {"job": 249}
    assert c.dead_letters[0].last_seen == pytest.approx(1_700_000_100.249)
    assert c.dead_letters[0].worker == "worker" and c.dead_letters[0].replays == 1


async def test_crons_next_run_and_last_runs(http, ops):
    clock = lambda: 1_800_000_000.0  # 2027-01-15T08:00:00Z
    source = CronsSource(client(http, "api"), "api", (Schedule("cleanup", "*/5 * * * *"),), clock=clock)
    ops.runs.append({"id": "r0", "name": "cleanup", "trigger": "scheduled", "started_at": 1_799_999_700_000,
                     "duration_ms": 8, "ok": False, "error": "db locked"})
    (cron,) = (await source.poll()).crons
    assert cron.next_run == 1_800_000_300.0
    assert cron.runs[0].error == "db locked" and cron.runs[0].started_at == 1_799_999_700.0
    kept = source.when_down("timed out", await source.poll())
    assert kept.crons[0].next_run == 1_800_000_300.0 and kept.crons[0].runs[0].id == "r0"


def test_next_run_of_a_bad_expression_is_none():
    assert next_run("not a cron", 0) is None
    assert next_run("0 9 * * *", 0) == 9 * 3600


async def test_admin_errors_are_clear_and_never_show_the_token(http, ops, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-token-abcdef"
    with pytest.raises(OpsError) as caught:
        await client(http, "worker", token=wrong).queues()
    assert "refused the admin token" in str(caught.value)
    assert caught.value.status == 401
    ops.token = "other"
    with pytest.raises(OpsError):
        await client(http, "worker").queues()
    text = caplog.text + repr(client(http, "worker")) + str(caught.value)
    assert TOKEN not in text and wrong not in text
    # and the token did go out, in the header only
    assert ops.requests[-1].headers["Authorization"] == f"Bearer {TOKEN}"


async def test_no_token_means_no_request(http, ops):
    with pytest.raises(OpsError, match="no admin token"):
        await client(http, "worker", token=None).crons()
    assert ops.requests == []


async def test_ops_routes_off_gives_a_hint():
    transport = httpx.MockTransport(lambda r: httpx.Response(404, json={"error": "not found"}))
    async with httpx.AsyncClient(transport=transport) as http:
        with pytest.raises(OpsError, match="ops routes are off"):
            await OpsClient(http, "api", "http://api.test", "t").info()


async def test_non_json_answer():
    transport = httpx.MockTransport(lambda r: httpx.Response(200, text="<html>gateway</html>"))
    async with httpx.AsyncClient(transport=transport) as http:
        with pytest.raises(OpsError, match="not JSON"):
            await OpsClient(http, "api", "http://api.test", "t").queues()


async def test_an_echoed_secret_is_masked_in_errors():
    def echo(request):
        return httpx.Response(401, json={"error": f"bad key {request.headers.get('X-API-Key')} / {request.headers.get('Authorization')}"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(echo)) as http:
        ops = OpsClient(http, "api", "http://api.test", TOKEN)
        with pytest.raises(SourceError) as caught:
            await StatsSource(ops, "api /api/stats", "/api/stats", {"X-API-Key": API_KEY}).poll()
        with pytest.raises(OpsError) as admin:
            await ops.queues()
    assert API_KEY not in str(caught.value) and "bad key •••" in str(caught.value)
    assert TOKEN not in str(admin.value)


async def test_dead_letters_refetch_only_when_the_store_changed(http, ops):
    ops.add_dead(3)
    source = DeadLettersSource(client(http, "worker"), "worker")

    def dlq_requests():
        return [r for r in ops.requests if r.url.path == "/__tova/dlq"]

    first = await source.poll()
    assert [d.id for d in first.dead_letters] == ["m2", "m1", "m0"]
    before = len(dlq_requests())
    again = await source.poll()
    assert again.dead_letters == first.dead_letters
    assert len(dlq_requests()) == before + 1  # only the one-row probe
    assert dlq_requests()[-1].url.params["limit"] == "1"
    ops.dead = [m for m in ops.dead if m["id"] != "m0"]  # an older one deleted: the total changes
    assert [d.id for d in (await source.poll()).dead_letters] == ["m2", "m1"]
    ops.dead[0]["last_seen"] += 10_000  # m1 died again: it is the newest now
    ops.dead[0]["attempts"] = 8
    changed = await source.poll()
    assert changed.dead_letters[0].id == "m1" and changed.dead_letters[0].attempts == 8
    ops.dead.clear()
    empty = await source.poll()
    assert empty.dead_letters == () and empty.dead_letter_total == 0
