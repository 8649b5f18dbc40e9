"""A stats endpoint (the seed's ``GET /api/stats``): every numeric field of its JSON, by dotted path.

Headers come from ``tova.toml`` with ``${SECRET}`` already expanded by the session; the values are
secrets and never appear in an error. Trends come from the History series the poller feeds.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from console.model import StatValue
from console.ops_client import OpsClient, OpsError
from console.sources.base import Contribution, SourceError


def numeric_fields(value: Any, prefix: str = "") -> Iterator[tuple[str, float]]:
    """Every number in a JSON value with its dotted path (list items by index); booleans are not numbers."""
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        yield (prefix or "value"), float(value)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from numeric_fields(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from numeric_fields(item, f"{prefix}.{index}" if prefix else str(index))


class StatsSource:
    def __init__(self, ops: OpsClient, label: str, path: str, headers: Mapping[str, str]) -> None:
        self.name = f"stats:{label}"
        self.label = label
        self.ops = ops
        self.path = path
        self._headers = dict(headers)

    async def poll(self) -> Contribution:
        try:
            _, body = await self.ops.request("GET", self.path, admin=False, headers=self._headers)
        except OpsError as exc:
            hint = " (check the headers in tova.toml)" if exc.status in (401, 403) else ""
            raise SourceError(f"{exc}{hint}") from None
        stats = tuple(StatValue(endpoint=self.label, key=key, value=value) for key, value in numeric_fields(body))
        return Contribution(stats=stats)
