"""History and outcomes from Cloudflare's GraphQL Analytics API, one batched query per poll.

The one query asks, for every queue and worker of the project at once: message operations by outcome
(``queueMessageOperationsAdaptiveGroups``), the average backlog and consumer concurrency of the last
minutes (``queueBacklogAdaptiveGroups``, ``queueConsumerMetricsAdaptiveGroups``) and invocations by
status with CPU quantiles (``workersInvocationsAdaptive``). GraphQL reports its errors with HTTP 200
and an ``errors`` array; those become a ``GraphQLError`` with the API's own words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping, Sequence

import httpx

from console.targets.cloudflare.client import CloudflareError, Credentials, status_error

QUERY = """
query TovaConsole($accountTag: string!, $queueIds: [string!], $scripts: [string!], $since: Time!, $recent: Time!, $until: Time!) {
  viewer {
    accounts(filter: {accountTag: $accountTag}) {
      queueMessageOperationsAdaptiveGroups(limit: 1000, filter: {queueId_in: $queueIds, datetime_geq: $since, datetime_leq: $until}) {
        count
        dimensions { queueId actionType outcome }
      }
      queueBacklogAdaptiveGroups(limit: 1000, filter: {queueId_in: $queueIds, datetime_geq: $recent, datetime_leq: $until}) {
        avg { messages bytes }
        dimensions { queueId }
      }
      queueConsumerMetricsAdaptiveGroups(limit: 1000, filter: {queueId_in: $queueIds, datetime_geq: $recent, datetime_leq: $until}) {
        avg { concurrency }
        dimensions { queueId }
      }
      workersInvocationsAdaptive(limit: 1000, filter: {scriptName_in: $scripts, datetime_geq: $since, datetime_leq: $until}) {
        sum { requests errors }
        quantiles { cpuTimeP50 cpuTimeP99 }
        dimensions { scriptName status }
      }
    }
  }
}
""".strip()

DATASETS = ("queueMessageOperationsAdaptiveGroups", "queueBacklogAdaptiveGroups",
            "queueConsumerMetricsAdaptiveGroups", "workersInvocationsAdaptive")


class GraphQLError(CloudflareError):
    pass


@dataclass
class QueueAnalytics:
    acked: int = 0  # DeleteMessage, outcome success
    dead_lettered: int = 0  # DeleteMessage, outcome dlq
    failed: int = 0  # DeleteMessage, outcome fail: dropped after its retries with no DLQ
    reads: int = 0  # ReadMessage: every delivery attempt
    writes: int = 0  # WriteMessage: messages sent
    backlog_avg: float | None = None
    concurrency_avg: float | None = None

    @property
    def retried(self) -> int:
        """Deliveries that did not end the message: each message is read once per attempt, deleted once."""
        return max(0, self.reads - (self.acked + self.dead_lettered + self.failed))


@dataclass
class WorkerAnalytics:
    requests: int = 0
    errors: int = 0
    exceeded_memory: int = 0
    exceeded_cpu: int = 0
    cpu_p50_us: float | None = None
    cpu_p99_us: float | None = None


@dataclass
class Analytics:
    queues: dict[str, QueueAnalytics] = field(default_factory=dict)  # by queue id
    workers: dict[str, WorkerAnalytics] = field(default_factory=dict)  # by script name


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def variables(account_id: str, queue_ids: Sequence[str], scripts: Sequence[str], since: float, until: float,
              recent_s: float = 300) -> dict[str, Any]:
    return {"accountTag": account_id, "queueIds": list(queue_ids), "scripts": list(scripts), "since": iso(since),
            "recent": iso(max(since, until - recent_s)), "until": iso(until)}


async def fetch(http: httpx.AsyncClient, creds: Credentials, queue_ids: Sequence[str], scripts: Sequence[str],
                since: float, until: float) -> Analytics:
    what = "query Cloudflare analytics"
    try:
        response = await http.post(
            f"{creds.base_url}/graphql",
            json={"query": QUERY, "variables": variables(creds.account_id, queue_ids, scripts, since, until)},
            headers={"Authorization": f"Bearer {creds.token}"},
        )
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
    return parse(body.get("data"))


def parse(data: Any) -> Analytics:
    """The figures of one answer. Missing datasets read as no traffic, not as an error."""
    try:
        account = (data or {})["viewer"]["accounts"][0]
    except (KeyError, IndexError, TypeError):
        raise GraphQLError("query Cloudflare analytics: the answer has no data for this account "
                           "(does the token have Account Analytics: Read?)") from None
    out = Analytics()

    def queue(row: Mapping[str, Any]) -> QueueAnalytics:
        qid = str((row.get("dimensions") or {}).get("queueId", ""))
        return out.queues.setdefault(qid, QueueAnalytics())

    for row in account.get("queueMessageOperationsAdaptiveGroups") or []:
        dims = row.get("dimensions") or {}
        q, n = queue(row), int(row.get("count") or 0)
        action, outcome = dims.get("actionType"), dims.get("outcome")
        if action == "WriteMessage":
            q.writes += n
        elif action == "ReadMessage":
            q.reads += n
        elif action == "DeleteMessage":
            if outcome == "dlq":
                q.dead_lettered += n
            elif outcome == "fail":
                q.failed += n
            else:
                q.acked += n
    for row in account.get("queueBacklogAdaptiveGroups") or []:
        queue(row).backlog_avg = _number((row.get("avg") or {}).get("messages"))
    for row in account.get("queueConsumerMetricsAdaptiveGroups") or []:
        queue(row).concurrency_avg = _number((row.get("avg") or {}).get("concurrency"))

    weighted: dict[str, tuple[float, int]] = {}
    for row in account.get("workersInvocationsAdaptive") or []:
        dims = row.get("dimensions") or {}
        script = str(dims.get("scriptName", ""))
        w = out.workers.setdefault(script, WorkerAnalytics())
        sums, quantiles = row.get("sum") or {}, row.get("quantiles") or {}
        requests = int(sums.get("requests") or 0)
        w.requests += requests
        w.errors += int(sums.get("errors") or 0)
        status = dims.get("status")
        if status == "exceededMemory":
            w.exceeded_memory += requests
        elif status in ("exceededCpu", "exceededResources"):
            w.exceeded_cpu += requests
        p50, p99 = _number(quantiles.get("cpuTimeP50")), _number(quantiles.get("cpuTimeP99"))
        if p50 is not None and requests:
            total, count = weighted.get(script, (0.0, 0))
            weighted[script] = (total + p50 * requests, count + requests)
        if p99 is not None:
            w.cpu_p99_us = p99 if w.cpu_p99_us is None else max(w.cpu_p99_us, p99)
    for script, (total, count) in weighted.items():
        out.workers[script].cpu_p50_us = total / count  # an approximation: the median of the largest groups
    return out


def _number(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None
