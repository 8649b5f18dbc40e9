"""Live production logs through the Workers tail API, against the fake's real websocket: filters in the
API's terms, events as lines, a rate limit, a reconnect when the socket drops, the tail deleted on exit,
and the same in the console's logs pane and in `tova tail`."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from cf_fixtures import TOKEN
from cf_helpers import deploy
from console.targets.cloudflare.client import async_client, credentials_from_env
from console.targets.cloudflare.tail import LineRate, Tail, TailFilters, lines_of
from console.targets.cloudflare.target import CloudflareTarget
from console.targets.cloudflare.throttle import SourceError

ROOT = Path(__file__).resolve().parents[2]

REQUEST = {
    "outcome": "exception", "scriptName": "pipeline-api", "eventTimestamp": 1_765_000_000_000,
    "event": {"request": {"method": "POST", "url": "https://pipeline-api.tova-test.workers.dev/api/images",
                          "headers": {}}, "response": {"status": 500}},
    "logs": [{"message": ["storing", {"id": 7}], "level": "log", "timestamp": 1_765_000_000_001}],
    "exceptions": [{"name": "TypeError", "message": "cannot read 'size' of undefined", "timestamp": 1_765_000_000_002}],
}


def test_cli_filters_become_the_apis_filter_message_as_wrangler_sends_it():
    message = TailFilters(status=("error",), methods=("post",), search="job 7", sampling_rate=0.25,
                          header="x-request-id:abc", client_ips=("203.0.113.9",)).message()
    assert message == {"filters": [
        {"sampling_rate": 0.25}, {"outcome": ["exception", "exceededCpu", "exceededMemory", "unknown"]},
        {"method": ["POST"]}, {"header": {"key": "x-request-id", "query": "abc"}}, {"client_ip": ["203.0.113.9"]},
        {"query": "job 7"}]}
    with pytest.raises(ValueError, match="between 0 and 1"):
        TailFilters(sampling_rate=1.5).message()


def test_a_trace_event_reads_as_its_outcome_then_its_logs_and_exceptions():
    lines = lines_of(REQUEST, "api")
    assert [(line.level, line.message) for line in lines] == [
        ("error", "POST https://pipeline-api.tova-test.workers.dev/api/images 500 - Exception Thrown"),
        ("log", 'storing {"id": 7}'),
        ("error", "TypeError: cannot read 'size' of undefined")]
    assert lines[0].time == 1_765_000_000.0 and all(line.worker == "api" for line in lines)
    queue = lines_of({"outcome": "ok", "event": {"queue": "process-queue", "batchSize": 5}, "logs": [],
                      "exceptions": []}, "processor")
    assert queue[0].message == "queue process-queue (5 messages) - Ok" and queue[0].level == "info"


def test_past_its_rate_lines_are_counted_and_said_once():
    now = [0.0]
    rate = LineRate(per_s=20, clock=lambda: now[0])
    shown, note = rate.admit(list(range(25)))
    assert len(shown) == 20 and note is None
    now[0] = 1.5
    shown, note = rate.admit([1])
    assert shown == [1] and note.startswith("5 lines not shown (more than 20 a second)")
    assert rate.dropped_total == 5


async def wait_for(condition, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for: {what}")
        await asyncio.sleep(0.02)


async def test_a_tail_streams_events_reconnects_when_dropped_and_is_deleted_on_exit(fake, env, project):
    deploy(project, env)
    creds = credentials_from_env(env)
    client = async_client(creds)
    notes: list[str] = []
    tail = Tail(creds, client, "pipeline-api", TailFilters(status=("error",)), on_note=notes.append, backoff=(0.05,))
    got: list[dict] = []

    async def read() -> None:
        async with contextlib.aclosing(tail.events()) as events:
            async for event in events:
                got.append(event)

    reader = asyncio.create_task(read())
    try:
        await wait_for(lambda: fake.live_tails("pipeline-api"), "the tail to connect")
        first = fake.live_tails("pipeline-api")[0]
        assert first["debug"] is False and first["filters"] == [{"outcome": ["exception", "exceededCpu",
                                                                              "exceededMemory", "unknown"]}]
        fake.tail_send("pipeline-api", REQUEST)
        await wait_for(lambda: len(got) == 1, "the first event")

        fake.tail_drop("pipeline-api")
        await wait_for(lambda: fake.live_tails("pipeline-api"), "a new tail after the drop")
        assert tail.created == 2 and first["deleted"]  # the old one is deleted, not left to expire
        assert any("closed" in n and "starting a new one" in n for n in notes)
        fake.tail_send("pipeline-api", REQUEST)
        await wait_for(lambda: len(got) == 2, "an event on the new tail")
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
        await client.close()
    assert all(t["deleted"] for t in fake.tails.values())


async def test_the_console_logs_pane_shows_production_logs_and_stopping_deletes_the_tails(fake, env, project):
    deploy(project, env)
    target = CloudflareTarget(project, env=env)
    await target.start(lambda _: None)
    async with httpx.AsyncClient() as http:
        tail = next(s for s in target.sources(http) if s.name == "cloudflare:tail")
        assert (await tail.poll()).logs == ()
        await wait_for(lambda: len(fake.live_tails("pipeline-api")) == 1 and fake.live_tails("pipeline-processor"),
                       "a tail per worker")
        fake.tail_send("pipeline-api", REQUEST)
        await wait_for(lambda: len(tail.lines) == 3, "the event's lines")
        logs = (await tail.poll()).logs
        assert [line.worker for line in logs] == ["api"] * 3 and "TypeError" in logs[-1].message
        await target.stop()
    assert len(fake.tails) == 2 and all(t["deleted"] for t in fake.tails.values())


async def test_a_token_without_tail_permission_marks_live_logs_down_with_the_reason(fake, env, project):
    deploy(project, env)
    fake.fail("POST", r"/accounts/\w+/workers/scripts/[\w-]+/tails", 403, message=f"Authentication error {TOKEN}",
              code=10000, times=2)
    target = CloudflareTarget(project, env=env)
    await target.start(lambda _: None)
    async with httpx.AsyncClient() as http:
        tail = next(s for s in target.sources(http) if s.name == "cloudflare:tail")
        await tail.poll()
        await wait_for(lambda: len(tail.errors) == 2, "both tails refused")
        with pytest.raises(SourceError, match="live logs: api: .*403.*permission") as refused:
            await tail.poll()
        assert TOKEN not in str(refused.value)
        await target.stop()


def test_one_shot_status_commands_start_no_tail(fake, env, project):
    from console.project import Project  # noqa: F401  (the session twins build the target this way)
    from console.session import create_target

    class P:
        manifest_path = project.manifest_path
        root = project.root

    target = create_target("cloudflare", P(), live=False)
    assert target.live_logs is False


def test_tova_tail_prints_production_logs_until_ctrl_c_and_deletes_its_tail(fake, env, tmp_path):
    pytest.importorskip("compiler.driver")
    folder = tmp_path / "pipeline"
    shutil.copytree(ROOT / "examples" / "pipeline", folder, ignore=shutil.ignore_patterns(".tova-out", ".tova", ".dev.vars"))
    from console.cli import main

    assert main(["deploy", str(folder / "pipeline.tova"), "--yes"]) == 0
    proc = subprocess.Popen([sys.executable, "-m", "console.cli", "tail", str(folder / "pipeline.tova"), "--worker", "api",
                             "--status", "error"], cwd=ROOT, env=dict(os.environ, **env, NO_COLOR="1"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not fake.live_tails("pipeline-api"):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "tova tail never connected"
            time.sleep(0.05)
        assert fake.live_tails("pipeline-processor") == []  # --worker api
        fake.tail_send("pipeline-api", REQUEST)
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    lines = [line.split("|", 1) for line in out.splitlines()]
    assert [(who.strip(), what.strip()) for who, what in lines] == [
        ("api", "POST https://pipeline-api.tova-test.workers.dev/api/images 500 - Exception Thrown"),
        ("api", 'storing {"id": 7}'), ("api", "TypeError: cannot read 'size' of undefined")]
    assert "tailing 1 worker" in err
    assert all(t["deleted"] for t in fake.tails.values())
