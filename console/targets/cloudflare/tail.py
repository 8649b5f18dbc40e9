"""Live logs from production: the Workers tail API, as `wrangler tail` uses it.

A tail is created per worker (``POST .../workers/scripts/{name}/tails`` with the filters as its body),
read over the websocket its answer names (subprotocol ``trace-v1``, a first message ``{"debug": false}``),
and deleted on the way out (``DELETE .../tails/{id}``), also when the reader is cancelled. When the
socket closes unexpectedly, or the tail expires, a new one is made after a bounded back-off.

What arrives are trace events (one per request, cron run or queue batch, with its console logs and
exceptions); ``lines_of`` turns one into console ``LogLine``s. ``LineRate`` keeps a busy worker from
flooding a terminal: past its rate, lines are counted, and one line says how many were not shown.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Callable, Mapping, Sequence, TypeVar

from console.model import LogLine
from console.targets.cloudflare.client import CloudflareError, Credentials, acall

T = TypeVar("T")
TRACE_PROTOCOL = "trace-v1"  # the tail backend refuses a websocket without it
BACKOFF_S = (1.0, 2.0, 5.0, 10.0, 30.0)
PING_INTERVAL_S = 10.0  # as wrangler: keeps idle proxies from closing the socket

# wrangler's --status words -> the API's outcome filter values (wrangler tail/filters.ts)
OUTCOMES = {"ok": ["ok"], "canceled": ["canceled"],
            "error": ["exception", "exceededCpu", "exceededMemory", "unknown"]}


@dataclass(frozen=True)
class TailFilters:
    status: tuple[str, ...] = ()  # "ok", "error", "canceled"
    methods: tuple[str, ...] = ()
    search: str | None = None
    sampling_rate: float | None = None  # 0 < rate < 1
    header: str | None = None  # "name" or "name:value"
    client_ips: tuple[str, ...] = ()

    def message(self) -> dict[str, Any]:
        """The body of the tail's creation, in the API's terms."""
        filters: list[dict[str, Any]] = []
        if self.sampling_rate is not None:
            if not 0 < self.sampling_rate < 1:
                raise ValueError("a sampling rate must be between 0 and 1 (0.25 logs a quarter of the events)")
            filters.append({"sampling_rate": self.sampling_rate})
        if self.status:
            unknown = [s for s in self.status if s not in OUTCOMES]
            if unknown:
                raise ValueError(f"unknown status {', '.join(unknown)} (ok, error or canceled)")
            filters.append({"outcome": list(dict.fromkeys(o for s in self.status for o in OUTCOMES[s]))})
        if self.methods:
            filters.append({"method": [m.upper() for m in self.methods]})
        if self.header:
            key, _, query = self.header.partition(":")
            filters.append({"header": {"key": key.strip()} | ({"query": query.strip()} if query.strip() else {})})
        if self.client_ips:
            filters.append({"client_ip": list(self.client_ips)})
        if self.search:
            filters.append({"query": self.search})
        return {"filters": filters}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _when(ms: Any, default: float) -> float:
    try:
        return float(ms) / 1000
    except (TypeError, ValueError):
        return default


def headline(event: Mapping[str, Any]) -> str:
    """What the event was, as wrangler's pretty printer says it: "GET https://… - Ok"."""
    outcome = str(event.get("outcome") or "unknown")
    word = {"ok": "Ok", "exception": "Exception Thrown", "exceededCpu": "Exceeded CPU Limit",
            "exceededMemory": "Exceeded Memory", "canceled": "Canceled"}.get(outcome, outcome)
    info = event.get("event") or {}
    if "request" in info:
        request = info["request"] or {}
        status = (info.get("response") or {}).get("status")
        what = f"{request.get('method', '?')} {request.get('url', '?')}" + (f" {status}" if status else "")
    elif "cron" in info:
        what = f"cron {info['cron']}"
    elif "queue" in info:
        what = f"queue {info['queue']} ({info.get('batchSize', '?')} messages)"
    elif "scheduledTime" in info:
        what = "alarm"
    else:
        what = str(event.get("entrypoint") or "event")
    return f"{what} - {word}"


def lines_of(event: Mapping[str, Any], worker: str, now: float | None = None) -> list[LogLine]:
    """One trace event as log lines: its headline, then its console logs and exceptions in order."""
    now = time.time() if now is None else now
    info = event.get("event") or {}
    if isinstance(info, dict) and "message" in info and "type" in info and len(event) <= 2:
        # a TailInfo from the backend, e.g. that it is sampling because the worker is busy
        return [LogLine(now, worker, "warn", f"tail: {info['message']}")]
    at = _when(event.get("eventTimestamp"), now)
    ok = event.get("outcome") == "ok"
    lines = [LogLine(at, worker, "info" if ok else "error", headline(event))]
    for log in event.get("logs") or []:
        message = " ".join(_text(part) for part in (log.get("message") or []))
        lines.append(LogLine(_when(log.get("timestamp"), at), worker, str(log.get("level") or "log"), message))
    for exc in event.get("exceptions") or []:
        lines.append(LogLine(_when(exc.get("timestamp"), at), worker, "error",
                             f"{exc.get('name', 'Error')}: {_text(exc.get('message', ''))}"))
    return lines


@dataclass
class LineRate:
    """At most ``per_s`` items a second pass; the rest are counted, and the next window starts with a
    note saying how many were not shown."""

    per_s: int = 20
    clock: Callable[[], float] = time.monotonic
    _window: float = 0.0
    _passed: int = 0
    dropped: int = 0
    dropped_total: int = 0

    def admit(self, items: Sequence[T]) -> tuple[list[T], str | None]:
        now = self.clock()
        note = None
        if now - self._window >= 1.0:
            if self.dropped:
                note = (f"{self.dropped} lines not shown (more than {self.per_s} a second); "
                        "narrow it with --status error, --search or --sampling-rate")
            self._window, self._passed, self.dropped = now, 0, 0
        room = max(0, self.per_s - self._passed)
        admitted = list(items[:room])
        self._passed += len(admitted)
        self.dropped += len(items) - len(admitted)
        self.dropped_total += len(items) - len(admitted)
        return admitted, note


@dataclass
class Tail:
    """One worker's tail: ``async for event in tail.events()`` until cancelled; deleted on the way out."""

    creds: Credentials
    client: Any  # AsyncCloudflare
    script: str
    filters: TailFilters = field(default_factory=TailFilters)
    on_note: Callable[[str], None] = lambda _: None  # reconnects and the like, for a log line
    backoff: Sequence[float] = BACKOFF_S
    tail_id: str | None = None
    created: int = 0

    async def _create(self) -> str:
        reply = await acall(self.creds, f"start a tail on {self.script}",
                            self.client.workers.scripts.tail.with_raw_response.create, script_name=self.script,
                            account_id=self.creds.account_id, extra_body=self.filters.message())
        result = reply.result if isinstance(reply.result, dict) else {}
        if not result.get("id") or not result.get("url"):
            raise CloudflareError(f"start a tail on {self.script}: the answer has no tail id or URL")
        self.tail_id = str(result["id"])
        self.created += 1
        return str(result["url"])

    async def delete(self) -> None:
        tail_id, self.tail_id = self.tail_id, None
        if tail_id is None:
            return
        try:
            await acall(self.creds, f"delete the tail on {self.script}",
                        self.client.workers.scripts.tail.with_raw_response.delete, id=tail_id,
                        account_id=self.creds.account_id, script_name=self.script)
        except CloudflareError:
            pass  # it expires on its own; a failed delete must not hide why we stopped

    async def events(self) -> AsyncIterator[dict[str, Any]]:
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

        failures = 0
        try:
            while True:
                url = await self._create()
                try:
                    async with connect(url, subprotocols=[TRACE_PROTOCOL], ping_interval=PING_INTERVAL_S,
                                       user_agent_header="tova", max_size=8 * 1024 * 1024) as socket:
                        await socket.send(json.dumps({"debug": False}))
                        failures = 0
                        async for message in socket:
                            try:
                                event = json.loads(message)
                            except ValueError:
                                continue
                            if isinstance(event, dict):
                                yield event
                    reason = "the tail ended (it expires after a while)"
                except ConnectionClosed as closed:
                    reason = f"the tail's connection closed ({closed.rcvd.code if closed.rcvd else 'no code'})"
                except (OSError, InvalidHandshake, InvalidURI, asyncio.TimeoutError) as exc:
                    reason = f"cannot connect to the tail ({type(exc).__name__})"
                await self.delete()
                wait = self.backoff[min(failures, len(self.backoff) - 1)]
                failures += 1
                self.on_note(f"{reason}; starting a new one in {wait:g}s")
                await asyncio.sleep(wait)
        finally:
            await asyncio.shield(self.delete())
