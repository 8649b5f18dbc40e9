"""How many Cloudflare API requests the console makes in 5 minutes at its default interval.

The account API allows about 1,200 requests per 5 minutes (shared with wrangler, the dashboard and
anything else on the account). This drives the Cloudflare target's real sources against the fake API
from tests/cloudflare (through the real SDK and httpx) on a simulated clock: a console polling every
``--interval`` seconds for 300 simulated seconds, and counts the requests the fake received.

    .venv/bin/python benchmarks/cloudflare_api_budget.py [--interval 2] [--queues 1 2 10]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "cloudflare"))

from fake_api import FakeCloudflare  # noqa: E402

from console.targets.cloudflare.analytics import analytics_sources  # noqa: E402
from console.targets.cloudflare.client import Credentials, async_client  # noqa: E402
from console.targets.cloudflare.queue_metrics import QueueMetricsSource  # noqa: E402
from console.targets.cloudflare.throttle import ApiGate  # noqa: E402

WINDOW_S = 300.0
BUDGET = 1200
TOKEN, ACCOUNT = "benchmark-token", "0" * 32


async def measure(queues: int, workers: int, interval: float) -> tuple[int, int]:
    fake = FakeCloudflare(TOKEN, ACCOUNT).start()
    try:
        queue_ids = {f"queue-{i}": fake.create_queue({}, {"queue_name": f"queue-{i}"})[1]["result"]["queue_id"]
                     for i in range(queues)}
        scripts = {f"w{i}": f"project-w{i}" for i in range(workers)}
        creds = Credentials(token=TOKEN, account_id=ACCOUNT, base_url=fake.base_url)
        now = [0.0]
        clock = lambda: now[0]  # noqa: E731
        gate = ApiGate(clock)
        client = async_client(creds)
        async with httpx.AsyncClient() as http:
            sources = [QueueMetricsSource(creds, client, queue_ids, gate, clock=clock),
                       *analytics_sources(creds, http, queue_ids, scripts, gate, clock=clock)]
            polls = 0
            while now[0] < WINDOW_S:
                await asyncio.gather(*(s.poll() for s in sources))
                polls += 1
                now[0] += interval
        await client.close()
        return len(fake.calls), polls
    finally:
        fake.stop()


def deploy_requests() -> tuple[int, int, int]:
    """Requests of a first deploy of the test project (2 workers, 2 queues) and of a redeploy with nothing
    changed (reads only), plus the writes of that redeploy."""
    import tempfile

    from cf_fixtures import MANIFEST, write_project
    from cf_helpers import deploy

    fake = FakeCloudflare(TOKEN, ACCOUNT).start()
    try:
        env = {"CLOUDFLARE_API_TOKEN": TOKEN, "CLOUDFLARE_ACCOUNT_ID": ACCOUNT, "CLOUDFLARE_BASE_URL": fake.base_url}
        with tempfile.TemporaryDirectory() as folder:
            project = write_project(Path(folder), MANIFEST)
            deploy(project, env)
            first, first_writes = len(fake.calls), len(fake.writes())
            deploy(project, env)
            return first, len(fake.calls) - first, len(fake.writes()) - first_writes
    finally:
        fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=float, default=2.0, help="console poll interval (default: tova.toml's default, 2 s)")
    parser.add_argument("--queues", type=int, nargs="+", default=[1, 2, 10, 40])
    args = parser.parse_args()
    print(f"console interval {args.interval:g}s, window {WINDOW_S:.0f}s, account budget ~{BUDGET} requests / 5 min\n")
    print("| queues | workers | console polls | API requests / 5 min | share of budget |")
    print("|---:|---:|---:|---:|---:|")
    for q in args.queues:
        requests, polls = asyncio.run(measure(q, max(2, q), args.interval))
        print(f"| {q} | {max(2, q)} | {polls} | {requests} | {100 * requests / BUDGET:.1f}% |")
    first, again, again_writes = deploy_requests()
    print("\n| deploy (2 workers, 2 queues, 1 migration) | API requests | of which create/update |")
    print("|---|---:|---:|")
    print(f"| from nothing | {first} | - |")
    print(f"| again, nothing changed | {again} | {again_writes} |")


if __name__ == "__main__":
    main()
