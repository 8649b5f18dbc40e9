"""``tova dev FILE.tova``: build, run every worker locally on workerd, stream their logs until Ctrl-C.

A thin command over ``LocalRuntime``: the same runtime the console's local target and the tests use.
Logs go to stdout, one line per message, prefixed with the worker's name; progress goes to stderr.
State (KV, D1, R2) persists in ``.tova-out/state/``, so a second ``tova dev`` finds its data again.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path

from console.commands.session_cli import err, load_project
from console.model import LogLine
from console.targets.local.installer import RuntimeInstallError
from console.targets.local.runtime import LocalRuntime, LocalRuntimeError
from console.targets.local.secrets import FILE_NAME, mask

_COLOURS = ("36", "35", "33", "32", "34", "91", "96", "95")  # one per worker, in manifest order
_LEVEL_COLOURS = {"error": "31", "warn": "33"}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dev", help="run every worker locally on workerd and stream their logs",
        description="Build FILE, then run all its workers in one local runtime (workerd) with shared local "
        "queues, KV, D1 and R2 (kept in .tova-out/state/), migrations applied once and secrets from "
        ".dev.vars beside FILE (created with random values on first run). Ctrl-C stops everything.",
    )
    parser.add_argument("file", metavar="FILE", help="the .tova program")
    parser.add_argument("--out", metavar="DIR", help="build folder (default: .tova-out beside FILE)")
    parser.add_argument("--port", metavar="N", type=int,
                        help="number the workers' ports from N in program order (default: free ports)")
    parser.add_argument("--no-crons", action="store_true",
                        help="do not fire crons at their times (they still run on demand, e.g. from the console)")
    parser.add_argument("--var", metavar="NAME=VALUE", action="append", default=[],
                        help="override an env value for this run (repeatable)")
    parser.set_defaults(run=run)


class LogPrinter:
    """Writes each log line as ``worker | message`` (continuation lines indented under it)."""

    def __init__(self, blocks: list[str], stream=sys.stdout, colour: bool | None = None) -> None:
        self.width = max([len(b) for b in blocks] + [len("runtime")])
        self.stream = stream
        if colour is None:
            colour = stream.isatty() and "NO_COLOR" not in os.environ
        self.colour = colour
        self.colours = {block: _COLOURS[i % len(_COLOURS)] for i, block in enumerate(blocks)}
        self.lock = threading.Lock()

    def paint(self, text: str, code: str | None) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.colour and code else text

    def __call__(self, line: LogLine) -> None:
        prefix = self.paint(f"{line.worker:<{self.width}} |", self.colours.get(line.worker, "2"))
        first, *rest = line.message.splitlines() or [""]
        body = [f"{prefix} {self.paint(first, _LEVEL_COLOURS.get(line.level))}"]
        body += [f"{' ' * self.width} | {self.paint(more, _LEVEL_COLOURS.get(line.level))}" for more in rest]
        with self.lock:
            try:
                self.stream.write("\n".join(body) + "\n")
                self.stream.flush()
            except (BrokenPipeError, ValueError):
                pass  # `tova dev | head`: the reader left; the runtime keeps going until Ctrl-C


def _parse_vars(pairs: list[str]) -> dict[str, str] | None:
    values = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            err(f"--var wants NAME=VALUE, got {pair!r}")
            return None
        values[name] = value
    return values


def run(args: argparse.Namespace) -> int:
    overrides = _parse_vars(args.var)
    if overrides is None:
        return 2
    project = load_project(args)
    if project is None:
        return 1

    def progress(message: str) -> None:
        print(f"==> {message}", file=sys.stderr, flush=True)

    blocks = [w.block for w in project.manifest.workers]
    progress(f"built {project.name}: {len(blocks)} worker{'s' if len(blocks) != 1 else ''} in {_shown(project.out_dir)}")
    runtime = LocalRuntime(
        project.manifest_path,
        secrets_path=project.root / FILE_NAME,
        state_dir=project.out_dir / "state",
        ports=args.port,
        vars=overrides,
        on_log=LogPrinter(blocks),
        run_crons=not args.no_crons,
    )
    # SIGTERM (a supervisor, `kill`) stops as cleanly as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        runtime.start(progress)
        secrets = runtime.secrets
        shown = ", ".join(f"{name} {mask(value)}" for name, value in secrets.items())
        progress(f"secrets from {_shown(runtime.secrets_path)}: {shown or 'none'}")
        progress(f"state in {_shown(runtime.state_dir)} (kept between runs)")
        crons = [f"{s.name} ({w.block}) {s.cron}" for w in project.manifest.workers for s in w.schedules]
        if crons:
            when = "not fired by the clock (--no-crons)" if args.no_crons else "fired at their times, UTC"
            progress(f"crons {when}: {', '.join(crons)}")
        progress("Ctrl-C stops every worker")
        while runtime.running:
            time.sleep(0.2)
        err("the local runtime stopped unexpectedly (see the log above)")
        return 1
    except (LocalRuntimeError, RuntimeInstallError) as error:
        err(str(error))
        return 1
    except KeyboardInterrupt:
        print("", file=sys.stderr)
        progress("stopping")
        return 0
    finally:
        # A second Ctrl-C while stopping would leave workerd half shut down; stopping takes a moment.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            runtime.stop()
        finally:
            signal.signal(signal.SIGINT, previous)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)
