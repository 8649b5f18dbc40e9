"""Running a deploy the way `tova deploy --yes` does, against the fake, with the SDK's retries off."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from console.targets.cloudflare.client import credentials_from_env, sync_client
from console.targets.cloudflare.deploy import Deployer, Plan, load_manifest
from console.targets.cloudflare.state import DeployState, state_path


def deployer(project: Any, env: dict[str, str], progress=None) -> Deployer:
    creds = credentials_from_env(env)
    manifest = load_manifest(project.manifest_path)
    state = DeployState.load(state_path(project.root, manifest["project"], creds.account_id), manifest["project"], creds.account_id)
    client = sync_client(creds, max_retries=0)
    return Deployer(manifest, Path(project.manifest_path).parent, state, creds, client,
                    progress or (lambda _: None), env)


def deploy(project: Any, env: dict[str, str], progress=None, *, prune: bool = False) -> tuple[Plan, Deployer]:
    d = deployer(project, env, progress)
    plan = d.survey(prune=prune)
    if not plan.empty:
        d.apply(plan)
    return plan, d


def queue_id(fake, name: str) -> str:
    return next((q["queue_id"] for q in fake.queues if q["queue_name"] == name), None)


def serve_figures(fake) -> None:
    """What an account with some traffic answers: a live backlog and a day of outcomes."""
    now_ms = time.time() * 1000
    fake.queue_metrics["process-queue"] = {"backlog_count": 42, "backlog_bytes": 4096,
                                           "oldest_message_timestamp_ms": now_ms - 90_000}
    fake.queue_metrics["process-dlq"] = {"backlog_count": 3, "backlog_bytes": 300, "oldest_message_timestamp_ms": 0}
    pq, dlq = queue_id(fake, "process-queue"), queue_id(fake, "process-dlq")  # None when not deployed

    def op(qid, action, outcome, count):
        return {"count": count, "dimensions": {"queueId": qid, "actionType": action, "outcome": outcome}}

    fake.analytics["queueMessageOperationsAdaptiveGroups"] = [
        op(pq, "WriteMessage", "", 130), op(pq, "ReadMessage", "", 150), op(pq, "DeleteMessage", "success", 117),
        op(pq, "DeleteMessage", "dlq", 7), op(pq, "DeleteMessage", "fail", 1), op(dlq, "WriteMessage", "", 7),
    ]
    fake.analytics["queueBacklogAdaptiveGroups"] = [{"avg": {"messages": 40.5, "bytes": 4000}, "dimensions": {"queueId": pq}}]
    fake.analytics["queueConsumerMetricsAdaptiveGroups"] = [{"avg": {"concurrency": 2.5}, "dimensions": {"queueId": pq}}]
    fake.analytics["workersInvocationsAdaptive"] = [
        {"sum": {"requests": 900, "errors": 0}, "quantiles": {"cpuTimeP50": 1200, "cpuTimeP99": 8000},
         "dimensions": {"scriptName": "pipeline-api", "status": "success"}},
        {"sum": {"requests": 12, "errors": 12}, "quantiles": {"cpuTimeP50": 3000, "cpuTimeP99": 25000},
         "dimensions": {"scriptName": "pipeline-api", "status": "scriptThrewException"}},
        {"sum": {"requests": 4, "errors": 4}, "quantiles": {"cpuTimeP50": 9000, "cpuTimeP99": 40000},
         "dimensions": {"scriptName": "pipeline-processor", "status": "exceededResources"}},
        {"sum": {"requests": 999, "errors": 999}, "quantiles": {"cpuTimeP50": 1, "cpuTimeP99": 1},
         "dimensions": {"scriptName": "someone-elses-worker", "status": "scriptThrewException"}},
    ]
