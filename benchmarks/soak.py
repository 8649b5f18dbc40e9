"""A console left open for a shift: the memory of every process over time (issue 14).

Runs the real `tova console` (local target, real workerd) on a copy of examples/jobs in a pseudo-terminal
of 120x40 at the default 2 s interval, first idle, then under a steady trickle (a job every 2 s, one in
ten poisoned so it dead-letters), and samples the resident memory of the console's Python process, the
Node runner and workerd once a minute. Goal: each flat within +-10 % after warm-up (the first
--warmup minutes), i.e. its last samples within 10 % of its first sample after warm-up.

    .venv/bin/python benchmarks/soak.py [--idle 120] [--trickle 60] [--warmup 10] [--out soak.json]

Prints a table of the samples, the verdict per process, and a plotext chart of the three curves; with
--out, the samples as JSON (re-plot with --plot FILE).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx
import plotext

ANSI = re.compile(r"\x1b\[[0-9;]*m")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.console_tty import FIRST_DATA, Terminal, rss_bytes  # noqa: E402

PROCESSES = ("console", "runner", "workerd")


def read_secret(dev_vars: Path, name: str) -> str:
    for line in dev_vars.read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() == name:
            return value.strip()
    raise KeyError(name)


def mb(pid: int | None) -> float | None:
    try:
        return rss_bytes(pid) / 2**20 if pid else None
    except OSError:
        return None


class Trickle:
    """One job every `every` seconds through the example's API; every tenth asks to fail (dead letter)."""

    def __init__(self, api: str, key: str, every: float = 2.0) -> None:
        self.api, self.every, self.sent, self.failed_to_send = api, every, 0, 0
        self.headers = {"X-API-Key": key, "Content-Type": "application/json"}
        self.next_at: float | None = None
        self.http = httpx.Client(timeout=10)

    def tick(self) -> None:
        self.next_at = self.next_at or time.monotonic()
        if time.monotonic() < self.next_at:
            return
        self.next_at += self.every
        body = {"task": "resize", "n": self.sent}
        if self.sent % 10 == 9:
            body |= {"fail": True, "reason": f"corrupt image {self.sent}"}
        try:
            self.http.post(self.api + "/api/jobs", headers=self.headers, json=body).raise_for_status()
        except httpx.HTTPError:
            self.failed_to_send += 1
        self.sent += 1


def soak(idle_min: float, trickle_min: float) -> list[dict]:
    samples: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "jobs"
        shutil.copytree(ROOT / "examples" / "jobs", project,
                        ignore=shutil.ignore_patterns(".tova-out", ".dev.vars", ".wrangler"))
        env = {**os.environ, "TERM": "xterm-256color", "LANG": "C.UTF-8", "COLORTERM": "truecolor",
               "XDG_CONFIG_HOME": str(Path(tmp) / "config")}
        argv = [sys.executable, "-m", "console.cli", "console", str(project / "jobs.tova"), "--interval", "2"]
        os.chdir(ROOT)
        term = Terminal(argv, 120, 40, env)
        try:
            if not term.read_for(180, FIRST_DATA):
                raise SystemExit("soak: no data frame within 180 s")
            running = json.loads((project / ".tova-out" / "state" / "runtime.json").read_text())
            pids = {"console": term.pid, "runner": running["runner_pid"], "workerd": running["runtime_pid"]}
            trickle = Trickle(running["workers"]["api"], read_secret(project / ".dev.vars", "API_KEY"))
            started = time.monotonic()
            for minute in range(int(idle_min + trickle_min) + 1):
                phase = "idle" if minute < idle_min else "trickle"
                row = {"minute": minute, "phase": phase, "load": os.getloadavg()[0], "bytes": term.total,
                       **{name: mb(pid) for name, pid in pids.items()}}
                samples.append(row)
                print(json.dumps(row), flush=True)
                if minute == int(idle_min + trickle_min):
                    break
                until = started + (minute + 1) * 60
                while time.monotonic() < until:
                    term.read_for(0.5)
                    if phase == "trickle":
                        trickle.tick()
            samples[-1]["jobs_sent"] = trickle.sent
        finally:
            term.quit()
    return samples


def verdict(samples: list[dict], warmup: int) -> list[str]:
    lines = ["| process | after warm-up | last | min .. max after warm-up | change | flat (+-10 %) |",
             "|---|---:|---:|---:|---:|---|"]
    for name in PROCESSES:
        after = [s[name] for s in samples if s["minute"] >= warmup and s[name] is not None]
        if not after:
            continue
        change = (after[-1] - after[0]) / after[0] * 100
        flat = all(abs(value - after[0]) / after[0] <= 0.10 for value in after)
        lines.append(f"| {name} | {after[0]:.0f} MB | {after[-1]:.0f} MB | {min(after):.0f} .. {max(after):.0f} MB | "
                     f"{change:+.0f} % | {'yes' if flat else 'no'} |")
    return lines


def chart(samples: list[dict]) -> str:
    plotext.clear_figure()
    plotext.plotsize(100, 25)
    plotext.theme("clear")
    for name in PROCESSES:
        points = [(s["minute"], s[name]) for s in samples if s[name] is not None]
        plotext.plot([m for m, _ in points], [v for _, v in points], label=name, marker="braille")
    trickle_from = next((s["minute"] for s in samples if s["phase"] == "trickle"), None)
    if trickle_from is not None:
        plotext.vline(trickle_from)
    plotext.title("RSS (MB) per minute: console, runner, workerd (trickle of jobs from the vertical line)")
    plotext.xlabel("minutes")
    return ANSI.sub("", plotext.build())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--idle", type=float, default=120.0, help="minutes idle")
    parser.add_argument("--trickle", type=float, default=60.0, help="minutes under a trickle of jobs")
    parser.add_argument("--warmup", type=int, default=10, help="minutes left out of the verdict")
    parser.add_argument("--out", type=Path, help="write the samples here as JSON")
    parser.add_argument("--plot", type=Path, help="only print the table and chart of a saved run")
    args = parser.parse_args()
    if args.plot:
        samples = json.loads(args.plot.read_text())
    else:
        samples = soak(args.idle, args.trickle)
        if args.out:
            args.out.write_text(json.dumps(samples))
    loads = [s["load"] for s in samples]
    print(f"\n{len(samples)} samples, {os.cpu_count()} cores, load average {min(loads):.2f} .. {max(loads):.2f}, "
          f"jobs sent in the trickle: {samples[-1].get('jobs_sent', 0)}\n")
    print("\n".join(verdict(samples, args.warmup)))
    print()
    print(chart(samples))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
