"""Run a cron now: the worker runs the same code as its scheduled handler and records the run."""

from __future__ import annotations

from console.model import CronRun
from console.ops_client import OpsClient, OpsError
from console.sources.crons import parse_cron_run


async def run_cron(ops: OpsClient, name: str) -> CronRun:
    answer = await ops.run_cron(name)
    if not isinstance(answer, dict):
        raise OpsError(f"{ops.block} cron {name}: answer is not a JSON object")
    return parse_cron_run(answer)
