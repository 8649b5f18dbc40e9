"""Queue figures from one worker's ``GET /__tova/queues``: backlog of the queues it produces to, and the
acked / retried / dead-lettered counters of the queues it consumes. Several workers see the same queue;
the poller merges them by name. Throughput and retry rates come from these counters' History series.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Mapping

from console.model import QueueState
from console.ops_client import OpsClient, OpsError
from console.sources.base import Contribution, SourceError


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def parse_queues(body: Any, now: float) -> tuple[QueueState, ...]:
    if not isinstance(body, Mapping):
        raise SourceError(f"/__tova/queues: expected a JSON object, got {type(body).__name__}")
    states: dict[str, QueueState] = {}
    for item in body.get("queues") or ():
        if not isinstance(item, Mapping) or not isinstance(item.get("queue"), str):
            continue
        oldest = item.get("oldest_message_timestamp")
        # the runtime reports 0 (not null) when nothing waits; an age only means something with a backlog
        age = max(0.0, now - oldest / 1000) if isinstance(oldest, (int, float)) and oldest > 0 else None
        states[item["queue"]] = QueueState(
            name=item["queue"], backlog_count=_int(item.get("backlog_count")),
            backlog_bytes=_int(item.get("backlog_bytes")), oldest_message_age_s=age,
            last_error=item.get("error") if isinstance(item.get("error"), str) else None,
        )
    for item in body.get("counters") or ():
        if not isinstance(item, Mapping) or not isinstance(item.get("queue"), str):
            continue
        name = item["queue"]
        previous = states.get(name)
        states[name] = QueueState(
            name=name,
            backlog_count=previous.backlog_count if previous else None,
            backlog_bytes=previous.backlog_bytes if previous else None,
            oldest_message_age_s=previous.oldest_message_age_s if previous else None,
            acked=_int(item.get("acked")), retried=_int(item.get("retried")),
            dead_lettered=_int(item.get("dead_lettered")), dropped=_int(item.get("dropped")),
            last_error=item.get("last_error") if isinstance(item.get("last_error"), str) else (previous.last_error if previous else None),
        )
    return tuple(states.values())


class QueuesSource:
    def __init__(self, ops: OpsClient, block: str, clock: Callable[[], float] = time.time) -> None:
        self.name = f"queues:{block}"
        self.ops = ops
        self.clock = clock

    async def poll(self) -> Contribution:
        try:
            body = await self.ops.queues()
        except OpsError as exc:
            raise SourceError(str(exc)) from None
        return Contribution(queues=parse_queues(body, self.clock()))
