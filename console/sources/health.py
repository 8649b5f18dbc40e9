"""Per-worker health: ``GET <health path>`` (no auth), its status and every check it reports.

A worker that does not answer is DOWN with the reason, not "last seen ok": ``when_down`` says so, so a
killed runtime shows every worker down at once instead of quietly showing stale green.
"""

from __future__ import annotations

from typing import Any, Mapping

from console.model import Check, Health, Memory, WorkerState
from console.ops_client import OpsClient, OpsError
from console.sources.base import Contribution, SourceError


def parse_health(value: Any) -> Health:
    try:
        return Health(str(value).lower())
    except ValueError:
        return Health.UNKNOWN


def _check_detail(body: Mapping[str, Any]) -> str | None:
    if isinstance(body.get("detail"), str):
        return body["detail"]
    if isinstance(body.get("error"), str):
        return body["error"]
    extras = [f"{k}={v}" for k, v in body.items() if k != "status" and isinstance(v, (int, float, str)) and not isinstance(v, bool)]
    return ", ".join(extras) or None


def _memory_from_checks(checks: Mapping[str, Any]) -> Memory:
    """Heap figures from a memory check when the runtime gave real ones (workerd gives zeros today, and
    the generated check then says ``unavailable``: never show a made-up 0)."""
    body = checks.get("memory")
    if not isinstance(body, Mapping) or body.get("status") == Health.UNAVAILABLE.value:
        return Memory()
    used = body.get("heap_used", body.get("usedHeapSize"))
    total = body.get("heap_total", body.get("totalHeapSize"))
    if isinstance(used, (int, float)) and used > 0:
        return Memory(heap_used=int(used), heap_total=int(total) if isinstance(total, (int, float)) else None, source="healthz")
    return Memory()


class HealthSource:
    def __init__(self, ops: OpsClient, block: str, name: str, path: str) -> None:
        self.name = f"health:{block}"
        self.ops = ops
        self.block = block
        self.worker_name = name
        self.path = path

    async def poll(self) -> Contribution:
        try:
            status, body = await self.ops.health(self.path)
        except OpsError as exc:
            raise SourceError(str(exc)) from None
        if not isinstance(body, Mapping):
            raise SourceError(f"{self.block} {self.path}: expected a JSON object, got {type(body).__name__}")
        raw_checks = body.get("checks") or {}
        checks = tuple(
            Check(name=str(name), status=parse_health(c.get("status")) if isinstance(c, Mapping) else Health.UNKNOWN,
                  detail=_check_detail(c) if isinstance(c, Mapping) else str(c))
            for name, c in (raw_checks.items() if isinstance(raw_checks, Mapping) else ())
        )
        health = parse_health(body.get("status"))
        if health is Health.UNKNOWN and status == 503:
            health = Health.DOWN
        failing = [c.name for c in checks if c.status is Health.DOWN]
        worker = WorkerState(
            block=self.block, name=self.worker_name, url=self.ops.base_url, health=health, checks=checks,
            memory=_memory_from_checks(raw_checks if isinstance(raw_checks, Mapping) else {}),
            error=f"checks down: {', '.join(failing)}" if failing else None,
        )
        return Contribution(workers=(worker,))

    def when_down(self, error: str, last: Contribution | None) -> Contribution:
        return Contribution(workers=(WorkerState(
            block=self.block, name=self.worker_name, url=self.ops.base_url, health=Health.DOWN, error=error,
        ),))
