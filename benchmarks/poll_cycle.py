"""What one console poll costs, on the real local runtime running an example project.

Measures, over N polls of every source (health, stats, queues, dead letters, crons, memory, logs):
wall time per poll (median and 95th percentile), HTTP requests and response bytes per poll, and the
console process's own CPU time per poll. These bound how cheap the dashboard can be at a 2 s interval
over SSH. Not a test: run it by hand and copy the table into benchmarks/README.md.

    .venv/bin/python benchmarks/poll_cycle.py [examples/pipeline/pipeline.tova] [--polls 50] [--dead N]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from console.project import Project  # noqa: E402
from console.session import Session, create_target  # noqa: E402


async def fill_dead_letter_store(session: Session, count: int) -> None:
    """examples/jobs only: post ``count`` jobs that ask to fail and wait until all are dead letters."""
    api = session.target.worker_urls()["api"]
    headers = {"X-API-Key": session.target.secret("API_KEY") or ""}
    async with httpx.AsyncClient(base_url=api, headers=headers, timeout=10) as client:
        for i in range(count):
            answer = await client.post("/api/jobs", json={"task": f"t{i}", "fail": True, "reason": f"bench {i}",
                                                          "padding": "x" * 400})
            answer.raise_for_status()
    while (await session.poll()).dead_letter_total < count:
        await asyncio.sleep(0.5)


async def measure(source: Path, polls: int, dead: int = 0) -> dict[str, float]:
    project = Project.load(source)
    requests = 0
    received = 0

    async def count_request(request: httpx.Request) -> None:
        nonlocal requests
        requests += 1

    async def count_response(response: httpx.Response) -> None:
        nonlocal received
        await response.aread()
        received += len(response.content)

    http = httpx.AsyncClient(timeout=httpx.Timeout(5, connect=2),
                             event_hooks={"request": [count_request], "response": [count_response]})
    session = Session(project, create_target("local", project), http=http)
    started = time.perf_counter()
    await session.start(lambda line: print(f"  {line}", file=sys.stderr))
    first = await session.poll()
    first_poll_s = time.perf_counter() - started
    if dead:
        await fill_dead_letter_store(session, dead)
    down = [s.name for s in first.down_sources]
    for _ in range(3):  # warm: connections open, the ops store's tables made
        await session.poll()
    requests = received = 0
    wall: list[float] = []
    cpu_before = time.process_time()
    for _ in range(polls):
        began = time.perf_counter()
        await session.poll()
        wall.append(time.perf_counter() - began)
    cpu = time.process_time() - cpu_before
    await session.stop()
    await http.aclose()
    wall.sort()
    return {
        "sources": len(first.sources), "down": ", ".join(down) or "none",
        "start_to_first_poll_s": first_poll_s,
        "poll_median_ms": statistics.median(wall) * 1000, "poll_p95_ms": wall[int(len(wall) * 0.95) - 1] * 1000,
        "requests_per_poll": requests / polls, "kb_per_poll": received / polls / 1024,
        "cpu_ms_per_poll": cpu / polls * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", default=str(ROOT / "examples" / "pipeline" / "pipeline.tova"))
    parser.add_argument("--polls", type=int, default=50)
    parser.add_argument("--dead", type=int, default=0, help="examples/jobs: fill the dead-letter store first")
    args = parser.parse_args()
    original = Path(args.file).resolve()
    with tempfile.TemporaryDirectory() as tmp:  # a copy: state and .dev.vars stay out of the repo
        copy = Path(tmp) / original.parent.name
        shutil.copytree(original.parent, copy, ignore=shutil.ignore_patterns(".tova-out", ".dev.vars"))
        figures = asyncio.run(measure(copy / original.name, args.polls, args.dead))
    print(f"| {original.name} | {args.dead} | {figures['sources']} | {figures['poll_median_ms']:.1f} | {figures['poll_p95_ms']:.1f} "
          f"| {figures['requests_per_poll']:.0f} | {figures['kb_per_poll']:.1f} | {figures['cpu_ms_per_poll']:.1f} "
          f"| {figures['start_to_first_poll_s']:.1f} |")
    if figures["down"] != "none":
        print(f"(sources down in the first poll: {figures['down']})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
