"""A Snapshot as JSON for ``tova status --json``: the same data the dashboard shows, for scripts.

Times stay epoch seconds (as in the model) with an ISO-8601 twin for people reading it; enums become
their values; rates and trends come from the History when one is given (they need two polls).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from console.model import History, Snapshot

SCHEMA_VERSION = 1
_TIME_FIELDS = {"taken_at", "polled_at", "last_ok_at", "first_seen", "last_seen", "started_at", "next_run", "time"}


def iso(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            out[f.name] = to_jsonable(item)
            if f.name in _TIME_FIELDS and isinstance(item, (int, float)):
                out[f"{f.name}_iso"] = iso(item)
        return out
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    return value


def overall(snapshot: Snapshot) -> str:
    """One word for alerting: ``down`` if a worker is down, ``degraded`` if a source failed or a worker is
    degraded or anything is dead-lettered, else ``ok``."""
    healths = {w.health.value for w in snapshot.workers}
    if "down" in healths:
        return "down"
    if "degraded" in healths or snapshot.down_sources or snapshot.dead_letter_total:
        return "degraded"
    return "ok"


def snapshot_to_dict(snapshot: Snapshot, history: History | None = None, label: str | None = None) -> dict[str, Any]:
    data = to_jsonable(snapshot)
    data.pop("backfill", None)  # chart history for the console, not part of a status answer
    data = {"schema": SCHEMA_VERSION, "status": overall(snapshot), **data}
    if label is not None:
        data["target_label"] = label  # e.g. "local · workerd · 2 workers"; never holds a secret
    if history is not None:
        for queue in data["queues"]:
            name = queue["name"]
            queue["acked_per_s"] = history.series(f"queue:{name}:acked").rate_per_s()
            queue["retried_per_s"] = history.series(f"queue:{name}:retried").rate_per_s()
            queue["dead_lettered_per_s"] = history.series(f"queue:{name}:dead").rate_per_s()
            queue["dropped_per_s"] = history.series(f"queue:{name}:dropped").rate_per_s()
            queue["backlog_trend"] = history.series(f"queue:{name}:backlog").trend()
        for stat in data["stats"]:
            stat["trend"] = history.series(f"stat:{stat['endpoint']}:{stat['key']}").trend()
    return data


def snapshot_to_json(snapshot: Snapshot, history: History | None = None, indent: int | None = 2,
                     label: str | None = None) -> str:
    return json.dumps(snapshot_to_dict(snapshot, history, label), indent=indent, default=str)
