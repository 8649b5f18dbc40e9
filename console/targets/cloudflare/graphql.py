"""Cloudflare's GraphQL Analytics API as the console reads it: one query per dataset, so a field one
dataset rejects blanks that dataset alone, each with the variable types its own docs use and a time
window inside the limits the account's ``settings`` node states.

Datasets (the Queues "Metrics" page and the Workers "Querying Workers Metrics with GraphQL" tutorial):
message operations by outcome, the average backlog and consumer concurrency, and invocations by status
with CPU quantiles. GraphQL reports errors with HTTP 200 and an ``errors`` array; those become a
``GraphQLError`` naming the dataset, in the API's own words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping, Sequence

import httpx

from console.targets.cloudflare.client import CloudflareError, Credentials, status_error

# The documented values of workersInvocationsAdaptive's ``status`` dimension; there is no
# "exceededMemory": a worker killed for memory or CPU reads as exceededResources.
WORKER_STATUSES = ("success", "clientDisconnected", "scriptThrewException", "exceededResources", "internalError")


@dataclass(frozen=True)
class Dataset:
    name: str
    subject: str  # "queue" (filtered by queueId) or "worker" (by scriptName)
    time_type: str  # the type its docs declare the datetime variables with
    fields: str
    dimensions: str
    average: bool  # a level over the last minutes (backlog, concurrency), not a count since the start
    # used when the settings node does not answer: the narrowest limits documented for these datasets
    max_duration_s: float = 86400.0
    not_older_than_s: float = 2678400.0

    @property
    def id_filter(self) -> str:
        return "queueId_in" if self.subject == "queue" else "scriptName_in"

    def query(self, *, by_minute: bool, limit: int = 1000) -> str:
        dims = self.dimensions + (" datetimeMinute" if by_minute else "")
        order = ", orderBy: [datetimeMinute_ASC]" if by_minute else ""
        t = self.time_type
        return (
            f"query Tova_{self.name}($accountTag: string!, $ids: [string!], $since: {t}, $until: {t}) {{\n"
            "  viewer {\n    accounts(filter: {accountTag: $accountTag}) {\n"
            f"      {self.name}(limit: {limit}, filter: {{{self.id_filter}: $ids, datetime_geq: $since, "
            f"datetime_leq: $until}}{order}) {{\n        {self.fields}\n        dimensions {{ {dims} }}\n      }}\n"
            "    }\n  }\n}"
        )


QUEUE_OPERATIONS = Dataset("queueMessageOperationsAdaptiveGroups", "queue", "Time!", "count",
                           "queueId actionType outcome", average=False)
QUEUE_BACKLOG = Dataset("queueBacklogAdaptiveGroups", "queue", "Time!", "avg { messages bytes }", "queueId", average=True)
CONSUMER_CONCURRENCY = Dataset("queueConsumerMetricsAdaptiveGroups", "queue", "Time!", "avg { concurrency }", "queueId",
                               average=True)
INVOCATIONS = Dataset("workersInvocationsAdaptive", "worker", "string",
                      "sum { requests errors } quantiles { cpuTimeP50 cpuTimeP99 }", "scriptName status", average=False)
DATASETS = (QUEUE_OPERATIONS, QUEUE_BACKLOG, CONSUMER_CONCURRENCY, INVOCATIONS)


class GraphQLError(CloudflareError):
    pass


@dataclass(frozen=True)
class Limits:
    """How wide (``max_duration_s``) and how far back (``not_older_than_s``) one dataset may be read."""

    max_duration_s: float
    not_older_than_s: float
    enabled: bool = True
    stated: bool = False  # False: the settings node did not answer, these are the documented defaults

    @property
    def window_s(self) -> float:
        return min(self.max_duration_s, self.not_older_than_s)


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch(text: str) -> float | None:
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


async def post(http: httpx.AsyncClient, creds: Credentials, what: str, query: str, variables: Mapping[str, Any]) -> Any:
    """The ``data`` of one GraphQL request, or a CloudflareError/GraphQLError saying why not."""
    try:
        response = await http.post(f"{creds.base_url}/graphql", json={"query": query, "variables": dict(variables)},
                                   headers={"Authorization": f"Bearer {creds.token}"})
    except httpx.TimeoutException:
        raise CloudflareError(f"{what}: timed out talking to {creds.base_url}") from None
    except httpx.HTTPError as exc:
        raise CloudflareError(f"{what}: cannot reach {creds.base_url} ({type(exc).__name__})") from None
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200:
        raise status_error(creds, what, response.status_code, body, response.headers)
    if not isinstance(body, dict):
        raise GraphQLError(f"{what}: the answer is not JSON")
    errors = body.get("errors") or []
    if errors:
        messages = "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors)
        raise GraphQLError(creds.scrub(f"{what}: the GraphQL API reported an error: {messages}"))
    return body.get("data")


def _account(data: Any, what: str) -> Mapping[str, Any]:
    try:
        return (data or {})["viewer"]["accounts"][0]
    except (KeyError, IndexError, TypeError):
        raise GraphQLError(f"{what}: the answer has no data for this account "
                           "(does the token have Account Analytics: Read?)") from None


async def limits(http: httpx.AsyncClient, creds: Credentials) -> dict[str, Limits]:
    """Each dataset's limits from the ``settings`` node; the documented defaults where it is silent."""
    body = "\n".join(f"        {d.name} {{ enabled maxDuration notOlderThan }}" for d in DATASETS)
    query = ("query TovaLimits($accountTag: string!) {\n  viewer {\n    accounts(filter: {accountTag: $accountTag}) {\n"
             f"      settings {{\n{body}\n      }}\n    }}\n  }}\n}}")
    defaults = {d.name: Limits(d.max_duration_s, d.not_older_than_s) for d in DATASETS}
    try:
        settings = _account(await post(http, creds, "read the analytics limits", query,
                                       {"accountTag": creds.account_id}), "read the analytics limits").get("settings")
    except CloudflareError:
        return defaults
    out = dict(defaults)
    for d in DATASETS:
        node = (settings or {}).get(d.name)
        if isinstance(node, dict):
            out[d.name] = Limits(_seconds(node.get("maxDuration"), d.max_duration_s),
                                 _seconds(node.get("notOlderThan"), d.not_older_than_s),
                                 enabled=node.get("enabled") is not False, stated=True)
    return out


async def rows(http: httpx.AsyncClient, creds: Credentials, dataset: Dataset, ids: Sequence[str], since: float,
               until: float, *, by_minute: bool = False) -> list[Mapping[str, Any]]:
    what = f"query Cloudflare analytics ({dataset.name})"
    variables = {"accountTag": creds.account_id, "ids": list(ids), "since": iso(since), "until": iso(until)}
    query = dataset.query(by_minute=by_minute, limit=10000 if by_minute else 1000)
    found = _account(await post(http, creds, what, query, variables), what).get(dataset.name)
    return [r for r in (found or []) if isinstance(r, dict)]


# ----- what the rows say


@dataclass
class QueueOutcomes:
    acked: int = 0  # DeleteMessage, outcome success
    dead_lettered: int = 0  # DeleteMessage, outcome dlq
    failed: int = 0  # DeleteMessage, outcome fail: dropped after its retries with no DLQ
    reads: int = 0  # ReadMessage: every delivery attempt
    writes: int = 0  # WriteMessage: messages sent

    @property
    def retried(self) -> int:
        """Deliveries that did not end the message: each message is read once per attempt, deleted once."""
        return max(0, self.reads - (self.acked + self.dead_lettered + self.failed))

    def add(self, row: Mapping[str, Any]) -> None:
        dims = row.get("dimensions") or {}
        n = int(row.get("count") or 0)
        action, outcome = dims.get("actionType"), dims.get("outcome")
        if action == "WriteMessage":
            self.writes += n
        elif action == "ReadMessage":
            self.reads += n
        elif action == "DeleteMessage":
            if outcome == "dlq":
                self.dead_lettered += n
            elif outcome == "fail":
                self.failed += n
            else:
                self.acked += n


@dataclass
class WorkerCounts:
    requests: int = 0
    errors: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    cpu_p50_us: float | None = None
    cpu_p99_us: float | None = None
    _weighted: tuple[float, int] = (0.0, 0)

    def add(self, row: Mapping[str, Any]) -> None:
        dims, sums, quantiles = row.get("dimensions") or {}, row.get("sum") or {}, row.get("quantiles") or {}
        requests = int(sums.get("requests") or 0)
        self.requests += requests
        self.errors += int(sums.get("errors") or 0)
        status = str(dims.get("status") or "")
        self.by_status[status] = self.by_status.get(status, 0) + requests
        p50, p99 = number(quantiles.get("cpuTimeP50")), number(quantiles.get("cpuTimeP99"))
        if p50 is not None and requests:
            total, count = self._weighted
            self._weighted = (total + p50 * requests, count + requests)
            self.cpu_p50_us = self._weighted[0] / self._weighted[1]  # approximate: the median of the groups
        if p99 is not None:
            self.cpu_p99_us = p99 if self.cpu_p99_us is None else max(self.cpu_p99_us, p99)


def number(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _seconds(value: Any, default: float) -> float:
    found = number(value)
    return found if found is not None and found > 0 else default
