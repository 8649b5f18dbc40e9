"""Dead-letter replay at a rate limit, on the local runtime (workerd), with examples/jobs.

N jobs that ask to fail are retried into the jobs-dlq store; their input is then fixed and all of them
are replayed with `POST /__tova/dlq/replay {"all": true, "rate": R}`. Reported: how long the replay
request took (the rate limit should make it about N/R seconds), how long until every job completed,
and whether any dead letter was lost (not replayed, not completed) or duplicated (completed twice).

    .venv/bin/python benchmarks/dlq_replay.py [--count 200] [--rate 50]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compiler.driver import build  # noqa: E402
from console.targets.local.runtime import LocalRuntime  # noqa: E402


def wait(probe, timeout: float, interval: float = 0.25):
    deadline = time.monotonic() + timeout
    while not (value := probe()):
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {timeout} s")
        time.sleep(interval)
    return value


def run(count: int, rate: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "jobs"
        shutil.copytree(ROOT / "examples" / "jobs", root, ignore=shutil.ignore_patterns(".tova-out", ".dev.vars"))
        runtime = LocalRuntime(build(root / "jobs.tova").manifest_path)
        runtime.start()
        try:
            runtime.wait_healthy()
            api = httpx.Client(base_url=runtime.urls["api"], headers={"X-API-Key": runtime.secret("API_KEY")}, timeout=120)
            ops = httpx.Client(base_url=runtime.urls["worker"], headers={"Authorization": f"Bearer {runtime.secret('TOVA_ADMIN_TOKEN')}"}, timeout=120)

            started = time.monotonic()
            ids = [api.post("/api/jobs", json={"task": f"b{n}", "fail": True, "reason": "down"}).json()["job_id"] for n in range(count)]
            wait(lambda: ops.get("/__tova/dlq", params={"queue": "jobs"}).json()["total"] == count, timeout=600)
            dead_after = time.monotonic() - started
            for job_id in ids:
                api.patch(f"/api/jobs/{job_id}", json={"payload": {"task": "fixed"}})

            started = time.monotonic()
            answer = ops.post("/__tova/dlq/replay", json={"all": True, "queue": "jobs", "rate": rate}).json()
            replay_s = time.monotonic() - started

            def finished():
                jobs = [api.get(f"/api/jobs/{job_id}").json() for job_id in ids]
                return all(j["status"] == "completed" for j in jobs) and jobs

            jobs = wait(finished, timeout=600)
            completed_s = time.monotonic() - started
            runs = {j["id"]: api.get(f"/api/jobs/{j['id']}").json() for j in jobs}
            left = ops.get("/__tova/dlq", params={"queue": "jobs"}).json()["total"]
            return {
                "count": count,
                "rate": rate,
                "dead_after_s": dead_after,
                "replay_s": replay_s,
                "completed_s": completed_s,
                "replayed": len(set(answer["replayed"])),
                "failed": len(answer["failed"]),
                "lost": count - len([r for r in runs.values() if r["status"] == "completed"]) + left,
                "duplicated": len(answer["replayed"]) - len(set(answer["replayed"]))
                + sum(1 for r in runs.values() if r["runs"] > 1),
            }
        finally:
            runtime.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--rate", type=float, default=50)
    args = parser.parse_args()
    r = run(args.count, args.rate)
    print(f"{r['count']} dead letters replayed at {r['rate']:g}/s: replay request {r['replay_s']:.2f} s "
          f"(ideal {r['count'] / r['rate']:.2f} s), all completed {r['completed_s']:.2f} s after the start; "
          f"replayed {r['replayed']}, failed {r['failed']}, lost {r['lost']}, duplicated {r['duplicated']} "
          f"(making them dead took {r['dead_after_s']:.1f} s)")


if __name__ == "__main__":
    main()
