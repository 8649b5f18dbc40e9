"""Local runtime benchmark: `tova dev` start to all workers healthy, and the seed pipeline's throughput.

    .venv/bin/python benchmarks/local_runtime.py [--uploads 500] [--concurrency 16] [--starts 3]

1. Start time, as a user sees it: `tova dev examples/pipeline/pipeline.tova` in a subprocess, from spawn
   until every worker's /healthz answers 200 (build, runner, workerd, migrations included). The first
   start is cold (no state; migrations run), the rest warm (state reused).
2. Throughput through the whole pipeline on one LocalRuntime: N uploads (POST /api/images, a 2 KB PNG,
   C at a time), accepted per second, then processed per second from the first upload until /api/stats
   says every one is processed (queue, consumer, R2 copy, D1 update, KV cache). Default consumer settings
   (batch 10, timeout 5 s), so the last partial batch waits up to 5 s, as in production.
3. Memory after the run: each worker's V8 heap (inspector) and the workerd process's RSS.

Prints a Markdown row for benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from console.project import Project  # noqa: E402
from console.targets.local.runtime import LocalRuntime  # noqa: E402

EXAMPLE = ROOT / "examples" / "pipeline"
PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(2048)


def copy_example(into: Path) -> Path:
    shutil.copytree(EXAMPLE, into, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".tova-out", ".dev.vars"))
    return into / "pipeline.tova"


def dev_start_to_healthy(program: Path) -> float:
    """Seconds from spawning `tova dev` until every worker's health path answers 200."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "console.cli", "dev", str(program)], cwd=ROOT,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True, env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        assert process.stderr is not None
        urls: list[str] = []
        for line in process.stderr:
            match = re.search(r"listening on (http://\S+)", line)
            if match:
                urls.append(match.group(1))
            if "Ctrl-C stops every worker" in line:
                break
        else:
            raise SystemExit(f"tova dev exited with {process.wait()} before it was ready")
        with httpx.Client(timeout=5) as client:
            pending = set(urls)
            while pending:
                pending = {url for url in pending if _status(client, url + "/healthz") != 200}
                if pending:
                    time.sleep(0.01)
        return time.perf_counter() - started
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(30)


def _status(client: httpx.Client, url: str) -> int | None:
    try:
        return client.get(url).status_code
    except httpx.HTTPError:
        return None


async def throughput(runtime: LocalRuntime, uploads: int, concurrency: int) -> tuple[float, float]:
    headers = {"X-API-Key": runtime.secret("API_KEY"), "Content-Type": "image/png"}
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=runtime.urls["api"], headers=headers, limits=limits, timeout=30) as http:
        base = (await http.get("/api/stats")).json()["processed"]
        gate = asyncio.Semaphore(concurrency)

        async def upload() -> None:
            async with gate:
                response = await http.post("/api/images", content=PNG)
                response.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(upload() for _ in range(uploads)))
        accepted = time.perf_counter() - started
        while (await http.get("/api/stats")).json()["processed"] < base + uploads:
            await asyncio.sleep(0.02)
        processed = time.perf_counter() - started
    return uploads / accepted, uploads / processed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--starts", type=int, default=3, help="tova dev starts to time (first is cold)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tova-bench-") as folder:
        program = copy_example(Path(folder))
        starts = [dev_start_to_healthy(program) for _ in range(args.starts)]
        cold, warm = starts[0], statistics.median(starts[1:]) if len(starts) > 1 else float("nan")
        print(f"tova dev start -> all healthy: cold {cold:.2f} s, warm (median of {len(starts) - 1}) {warm:.2f} s")

        project = Project.load(program)
        runtime = LocalRuntime(project.manifest_path, secrets_path=project.root / ".dev.vars",
                               state_dir=project.out_dir / "state")
        runtime.start()
        try:
            accepted, processed = asyncio.run(throughput(runtime, args.uploads, args.concurrency))
            memory = runtime.memory()
        finally:
            runtime.stop()
    heaps = ", ".join(f"{b} {m.heap_used / 1e6:.1f} MB" for b, m in memory.workers.items() if m.heap_used)
    rss = f"{memory.rss / 1e6:.0f} MB" if memory.rss else "-"
    print(f"{args.uploads} uploads, {args.concurrency} at a time: accepted {accepted:.0f}/s, "
          f"processed end to end {processed:.0f}/s; heap {heaps}; workerd RSS {rss}")
    print()
    print("| cold start | warm start | uploads accepted/s | processed/s (end to end) | heap api / processor | workerd RSS |")
    print("|---:|---:|---:|---:|---|---:|")
    print(f"| {cold:.2f} s | {warm:.2f} s | {accepted:.0f} | {processed:.0f} | {heaps} | {rss} |")


if __name__ == "__main__":
    main()
