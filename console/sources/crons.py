"""Crons of one worker: schedule and next run from the manifest (croniter, in UTC as Cloudflare runs
them), last runs from ``GET /__tova/crons``. When the ops routes fail, the schedule and next run are still
true, so ``when_down`` keeps them and only the runs go stale.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from croniter import croniter

from console.manifest import Schedule
from console.model import CronRun, CronState
from console.ops_client import OpsClient, OpsError
from console.sources.base import Contribution, SourceError


def next_run(cron: str, after: float) -> float | None:
    """Epoch seconds of the next firing after ``after`` (None for an expression croniter rejects)."""
    try:
        return croniter(cron, datetime.fromtimestamp(after, timezone.utc)).get_next(float)
    except (ValueError, KeyError):
        return None


def parse_cron_run(item: Mapping[str, Any]) -> CronRun:
    started = item.get("started_at")
    duration = item.get("duration_ms")
    return CronRun(
        id=str(item.get("id", "")), name=str(item.get("name", "")), trigger=str(item.get("trigger", "manual")),
        started_at=float(started) / 1000 if isinstance(started, (int, float)) else 0.0,
        duration_ms=float(duration) if isinstance(duration, (int, float)) else 0.0,
        ok=bool(item.get("ok")), error=item.get("error") if isinstance(item.get("error"), str) else None,
    )


class CronsSource:
    def __init__(self, ops: OpsClient, block: str, schedules: tuple[Schedule, ...], clock: Callable[[], float] = time.time) -> None:
        self.name = f"crons:{block}"
        self.ops = ops
        self.block = block
        self.schedules = schedules
        self.clock = clock

    def _states(self, runs: Mapping[str, tuple[CronRun, ...]]) -> tuple[CronState, ...]:
        now = self.clock()
        return tuple(
            CronState(name=s.name, worker=self.block, cron=s.cron, next_run=next_run(s.cron, now), runs=runs.get(s.name, ()))
            for s in self.schedules
        )

    async def poll(self) -> Contribution:
        try:
            body = await self.ops.crons()
        except OpsError as exc:
            raise SourceError(str(exc)) from None
        runs: dict[str, tuple[CronRun, ...]] = {}
        for item in (body or {}).get("crons") or ():
            if isinstance(item, Mapping) and isinstance(item.get("name"), str):
                runs[item["name"]] = tuple(parse_cron_run(r) for r in item.get("runs") or () if isinstance(r, Mapping))
        return Contribution(crons=self._states(runs))

    def when_down(self, error: str, last: Contribution | None) -> Contribution:
        runs = {c.name: c.runs for c in last.crons} if last else {}
        return Contribution(crons=self._states(runs))
