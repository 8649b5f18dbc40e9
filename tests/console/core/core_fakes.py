"""In-memory stand-ins for unit tests of the console core: the ops surface of contracts §3 behind an
``httpx.MockTransport`` and a target that serves it. End-to-end tests use the real runtime instead."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "tok-s3cret-admin-0123456789"
API_KEY = "key-s3cret-api-9876543210"
URLS = {"api": "http://api.test", "worker": "http://worker.test"}


@dataclass
class FakeOps:
    """Both workers of the fixture manifest (``jobs``): health, stats, queues, the DLQ store, crons."""

    token: str = TOKEN
    api_key: str = API_KEY
    down: set[str] = field(default_factory=set)  # blocks that refuse connections
    delay: dict[str, float] = field(default_factory=dict)  # path -> seconds before answering
    stats: Any = field(default_factory=lambda: {"total": 7, "pending": 2, "by_status": {"failed": 1}, "ok": True, "name": "x"})
    backlog: int = 3
    counters: dict[str, int] = field(default_factory=lambda: {"acked": 10, "retried": 4, "dead_lettered": 2, "dropped": 1})
    dead: list[dict[str, Any]] = field(default_factory=list)
    sent: list[Any] = field(default_factory=list)  # bodies replayed onto the source queue
    poison_ids: set[str] = field(default_factory=set)  # replay of these fails (queue send error)
    consume_replays: bool = True  # a replayed body is consumed (acked) at once
    runs: list[dict[str, Any]] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0

    def add_dead(self, n: int, queue: str = "jobs") -> None:
        base = len(self.dead)
        for i in range(base, base + n):
            self.dead.append({"id": f"m{i}", "queue": queue, "dlq": f"{queue}-dlq", "body": {"job": i},
                              "attempts": 3, "first_seen": 1_700_000_000_000 + i, "last_seen": 1_700_000_100_000 + i,
                              "error": f"boom {i}", "replays": i % 2})

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        block = request.url.host.split(".")[0]
        if block in self.down:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay.get(request.url.path, 0))
            return self.route(block, request)
        finally:
            self.in_flight -= 1

    def route(self, block: str, request: httpx.Request) -> httpx.Response:
        path, method = request.url.path, request.method
        if path in ("/healthz", "/health"):
            return httpx.Response(200, json={"status": "ok", "worker": block, "time": "2026-11-22T10:00:00.000Z",
                                             "checks": {"memory": {"status": "unavailable", "detail": "runtime reports zero heap"}}})
        if path == "/api/stats" and block == "api":
            if request.headers.get("X-API-Key") != self.api_key:
                return httpx.Response(401, json={"error": "Invalid API key"})
            return httpx.Response(200, json=self.stats)
        if not path.startswith("/__tova/"):
            return httpx.Response(404, json={"error": "not found"})
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return httpx.Response(401, json={"error": "unauthorized"})
        body = json.loads(request.content) if request.content else {}
        if path == "/__tova/queues":
            queues = [{"queue": "jobs", "binding": "JOBS", "backlog_count": self.backlog, "backlog_bytes": 30 * self.backlog,
                       "oldest_message_timestamp": int(time.time() * 1000) - 5000 if self.backlog else 0}]
            counters = [{"queue": "jobs", **self.counters, "last_error": "boom"}] if block == "worker" else []
            return httpx.Response(200, json={"queues": queues, "counters": counters})
        if path == "/__tova/dlq" and block == "worker":
            queue = request.url.params.get("queue")
            items = sorted((m for m in self.dead if not queue or m["queue"] == queue), key=lambda m: -m["last_seen"])
            limit = int(request.url.params.get("limit", 50))
            start = int(request.url.params.get("cursor") or 0)
            page = items[start:start + limit]
            next_cursor = str(start + limit) if start + limit < len(items) else None
            return httpx.Response(200, json={"messages": page, "next_cursor": next_cursor, "total": len(items)})
        if path.startswith("/__tova/dlq/") and method == "GET" and block == "worker":
            found = next((m for m in self.dead if m["id"] == path.rsplit("/", 1)[1]), None)
            return httpx.Response(200, json=found) if found else httpx.Response(404, json={"error": "not found"})
        if path == "/__tova/dlq/replay" and block == "worker":
            chosen = self._chosen(body)[: body.get("max") or None]
            replayed, failed = [], []
            for m in chosen:
                if m["id"] in self.poison_ids:
                    failed.append({"id": m["id"], "error": "queue send failed"})
                    continue
                self.sent.append(m["body"])  # sent first, then removed: never lost
                self.dead.remove(m)
                if self.consume_replays:
                    self.counters["acked"] += 1
                replayed.append(m["id"])
            for missing in set(body.get("ids") or ()) - {m["id"] for m in chosen}:
                failed.append({"id": missing, "error": "not found"})
            return httpx.Response(200, json={"replayed": replayed, "failed": failed, "remaining": len(self.dead)})
        if path == "/__tova/dlq/delete" and block == "worker":
            chosen = self._chosen(body)
            for m in chosen:
                self.dead.remove(m)
            return httpx.Response(200, json={"deleted": len(chosen)})
        if path == "/__tova/crons" and block == "api":
            return httpx.Response(200, json={"crons": [{"name": "cleanup", "cron": "*/5 * * * *", "runs": self.runs[::-1][:20]}]})
        if path == "/__tova/cron/cleanup" and method == "POST" and block == "api":
            run = {"id": f"r{len(self.runs)}", "name": "cleanup", "trigger": "manual",
                   "started_at": int(time.time() * 1000), "duration_ms": 12, "ok": True, "error": None}
            self.runs.append(run)
            return httpx.Response(200, json=run)
        return httpx.Response(404, json={"error": "not found"})

    def _chosen(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        if body.get("all"):
            return [m for m in self.dead if not body.get("queue") or m["queue"] == body["queue"]]
        ids = body.get("ids") or []
        return [m for m in self.dead if m["id"] in ids]


class FakeTarget:
    name = "local"

    def __init__(self, urls: dict[str, str] | None = None, secrets: dict[str, str] | None = None) -> None:
        self.urls = dict(URLS if urls is None else urls)
        self.secrets = {"TOVA_ADMIN_TOKEN": TOKEN, "API_KEY": API_KEY} if secrets is None else secrets
        self.started = 0
        self.stopped = 0
        self.extra_sources: list = []

    async def start(self, progress) -> None:
        progress("starting the fake target")
        self.started += 1

    async def stop(self) -> None:
        self.stopped += 1

    def worker_urls(self) -> dict[str, str]:
        return self.urls

    def secret(self, name: str) -> str | None:
        return self.secrets.get(name)

    def sources(self, http):
        return list(self.extra_sources)

    def label(self) -> str:
        return "local · fake"
