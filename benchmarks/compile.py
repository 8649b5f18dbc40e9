"""Compile speed: `tova build` wall time on the seed, and throughput on a generated ~10,000-line program.

Targets (issue 10): the seed builds through the real command in at most twice the time of a bare
`python3 -c pass` on the same machine at the same moment (start-up is most of it, so the ratio is
what the compiler controls); 50,000 lines build in at most 1.5 s. Run from the repository root:

    .venv/bin/python benchmarks/compile.py [--runs 20]

The command runs as a user runs it (the installed `tova` script, bytecode cache allowed: the first,
untimed run writes it). Prints a Markdown table for benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "pipeline" / "pipeline.tova"
TOVA = Path(sys.executable).with_name("tova")

HELPER = '''fn helper_{i}(items, factor) {{
  var total = 0
  for i, item in items {{
    if item.value > factor {{
      total += item.value * factor
    }} elif item.value == nil {{
      continue
    }} else {{
      total -= 1
    }}
  }}
  label = match total {{
    0 => "none"
    1 | 2 => "few"
    _ => "many {{total}}"
  }}
  {{ total, label, scaled: items |> map(fn(x) x.value * 2) |> sum() }}
}}
'''
ROUTE = '''  route GET "/r{i}/:id" => fn(req, params) {{
    cached = await CACHE.get("k:{{params.id}}")
    if cached != nil {{
      JSON.parse(cached)
    }} else {{
      helper_{i}([{{ value: int(params.id) }}], {i})
    }}
  }}
'''


def generated_program(target_lines: int) -> str:
    units = max(1, target_lines // (HELPER.count("\n") + ROUTE.count("\n")))
    helpers = "".join(HELPER.format(i=i) for i in range(units))
    routes = "".join(ROUTE.format(i=i) for i in range(units))
    return helpers + 'edge "api" {\n  kv CACHE\n' + routes + "}\n"


def timed_cli(args: list[str], env: dict) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) for one run of the command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--lines", type=int, default=50_000)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        command = [str(TOVA), "build", str(SEED), "--out", str(out)]
        timed_cli(command, env)  # warm-up: writes the bytecode cache, as any first run does
        bare = [timed_cli([sys.executable, "-c", "pass"], env) for _ in range(args.runs)]
        bare_wall = statistics.median(s[0] for s in bare)
        samples = [timed_cli(command, env) for _ in range(args.runs)]
        walls = sorted(s[0] for s in samples)
        cpus = sorted(s[1] for s in samples)
        seed_lines = SEED.read_text().count("\n")
        rows.append(("bare `python3 -c pass` (median of %d)" % args.runs, 0, bare_wall, statistics.median(s[1] for s in bare), None))
        rows.append(("`tova build` seed (CLI, median of %d)" % args.runs, seed_lines,
                     statistics.median(walls), statistics.median(cpus), 2 * bare_wall))
        # the README's entry point: bash checks the environment's stamp, then runs the same command
        wrapper = [str(ROOT / "bin" / "tova"), "build", str(SEED), "--out", str(out)]
        wrapped = [timed_cli(wrapper, env) for _ in range(args.runs)]
        rows.append(("`bin/tova build` seed (wrapper script, median of %d)" % args.runs, seed_lines,
                     statistics.median(s[0] for s in wrapped), statistics.median(s[1] for s in wrapped), None))

        program = Path(tmp) / "big.tova"
        program.write_text(generated_program(args.lines))
        lines = program.read_text().count("\n")
        big = [str(TOVA), "build", str(program), "--out", str(Path(tmp) / "big-out")]
        big_samples = [timed_cli(big, env) for _ in range(5)]
        rows.append((f"`tova build` generated program (CLI, median of 5)", lines,
                     statistics.median(s[0] for s in big_samples), statistics.median(s[1] for s in big_samples), 1.5))

        sys.path.insert(0, str(ROOT))
        from compiler.driver import compile_source
        from compiler.source import Source

        text = program.read_text()
        in_process = []
        for _ in range(5):
            start = time.perf_counter()
            compile_source(Source(text, "big.tova"), Path(tmp) / "unused", "big")
            in_process.append(time.perf_counter() - start)
        rows.append(("compile in process (no startup, no writes, median of 5)", lines, statistics.median(in_process), None, None))

    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}, Python {sys.version.split()[0]}\n")
    print("| measurement | lines | wall | CPU | × bare python | target | lines/s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, lines, wall, cpu, target in rows:
        cpu_text = f"{cpu * 1000:.0f} ms" if cpu is not None else "-"
        goal = "-" if target is None else f"≤ {target * 1000:.0f} ms ({'ok' if wall <= target else 'over'})"
        rate = f"{lines / wall:,.0f}" if lines else "-"
        print(f"| {name} | {lines:,} | {wall * 1000:.0f} ms | {cpu_text} | {wall / bare_wall:.1f}× | {goal} | {rate} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
