"""Which of the console's polls grows workerd's memory? (issue 14: RSS 127 -> 320 MB in 12 min under the
console, flat under a bare `tova dev`.)

For each kind of request the console makes, a fresh local runtime on examples/pipeline is asked that
one thing at 20 requests a second for three minutes; workerd's RSS (from /proc) at the start, after the
first minute (the allocator's warm-up) and at the end, the growth per minute and per request over the
last two minutes, and the workers' V8 heap at the end, are printed. "idle" asks nothing; "memory" is the
runner's inspector heap query, which the console makes every poll.

    .venv/bin/python benchmarks/workerd_rss.py [kind ...]
"""

from __future__ import annotations

import os
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

KINDS = ("idle", "memory", "404", "health", "stats", "ops-queues", "ops-dlq")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


def experiment(kind: str, seconds: float = 180, warmup: float = 60, rate: float = 20) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "pipeline"
        shutil.copytree(ROOT / "examples" / "pipeline", root, ignore=shutil.ignore_patterns(".tova-out", ".dev.vars"))
        runtime = LocalRuntime(build(root / "pipeline.tova").manifest_path)
        runtime.start()
        try:
            runtime.wait_healthy()
            pid = runtime.memory().rss and runtime._ready.runtime_pid
            api, processor = runtime.urls["api"], runtime.urls["processor"]
            admin = {"Authorization": f"Bearer {runtime.secret('TOVA_ADMIN_TOKEN')}"}
            key = {"X-API-Key": runtime.secret("API_KEY")}
            with httpx.Client(timeout=10) as http:
                ask = {
                    "idle": lambda: None,
                    "memory": runtime.memory,
                    "404": lambda: http.get(api + "/nope"),
                    "health": lambda: http.get(api + "/healthz"),
                    "stats": lambda: http.get(api + "/api/stats", headers=key),
                    "ops-queues": lambda: http.get(api + "/__tova/queues", headers=admin),
                    "ops-dlq": lambda: http.get(processor + "/__tova/dlq", headers=admin),
                }[kind]
                for _ in range(50):  # warm-up: first requests compile and allocate for good
                    ask()
                time.sleep(2)
                start, started, count = rss_mb(pid), time.monotonic(), 0
                before = counted_from = None
                while time.monotonic() - started < seconds:
                    if before is None and time.monotonic() - started >= warmup:
                        before, counted_from = rss_mb(pid), count
                    ask()
                    count += 1
                    time.sleep(1 / rate)
                after = rss_mb(pid)
            heap = sum(m.heap_used or 0 for m in runtime.memory().workers.values()) / 1e6
        finally:
            runtime.stop()
    counted = count - counted_from
    per_request = (after - before) * 1024 / counted if counted else 0
    return (f"| {kind} | {count:,} | {start:.0f} MB | {before:.0f} MB | {after:.0f} MB | "
            f"{(after - before) / ((seconds - warmup) / 60):+.1f} MB/min | {per_request:+.1f} KB | {heap:.1f} MB |")


def main() -> int:
    kinds = sys.argv[1:] or list(KINDS)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}\n")
    print("| asked | requests | workerd RSS at start | after 1 min | after 3 min | growth (last 2 min) | per request | workers' V8 heap |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for kind in kinds:
        print(experiment(kind), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
