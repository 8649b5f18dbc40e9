"""``tova dev FILE.tova``: build, run every worker locally on workerd, stream their logs until Ctrl-C.

Saving the program (or tova.toml, or a migration) rebuilds it and restarts the workers on the same
ports; a compile error is shown with its caret and the previous build keeps running.

A thin command over ``LocalRuntime``: the same runtime the console's local target and the tests use.
Logs go to stdout, one line per message (and one dim line per request and queue batch), prefixed with
the worker's name; progress goes to stderr.
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
from urllib.parse import urlsplit

from console.commands.session_cli import err, load_project
from console.model import LogLine
from console.project import Project
from console.targets.local.project_watch import ProjectWatch
from console.targets.local.installer import RuntimeInstallError
from console.targets.local.runtime import LocalRuntime, LocalRuntimeError
from console.targets.local.secrets import FILE_NAME, mask

RESTART_LIMIT = 5
RESTART_WINDOW_S = 300.0
_COLOURS = ("36", "35", "33", "32", "34", "91", "96", "95")  # one per worker, in manifest order
_LEVEL_COLOURS = {"error": "31", "warn": "33", "debug": "2"}


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
    dev = DevRun(args, project, overrides)
    # SIGTERM (a supervisor, `kill`) stops as cleanly as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return dev.run()
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
            dev.stop()
        finally:
            signal.signal(signal.SIGINT, previous)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


def progress(message: str) -> None:
    print(f"==> {message}", file=sys.stderr, flush=True)


class DevRun:
    """One `tova dev`: the runtime for the current build, replaced by a fresh one when the program changes."""

    def __init__(self, args: argparse.Namespace, project: Project, overrides: dict[str, str]) -> None:
        self.args = args
        self.project = project
        self.overrides = overrides
        self.watch = ProjectWatch(project.source) if project.source else None
        self.runtime: LocalRuntime | None = None

    def run(self) -> int:
        self.start(self.args.port)
        progress("Ctrl-C stops every worker; edits to the program reload it")
        while True:
            assert self.runtime is not None
            if not self.runtime.running and not self.restart():
                return 1
            changed = self.watch.changed() if self.watch else []
            if changed:
                self.reload(changed)
            time.sleep(0.25)

    def restart(self) -> bool:
        """workerd crashed or was killed: start it again on the same ports (so curl loops, browser tabs
        and attached consoles find it where it was), backing off 1, 2, 4 ... 30 s; give up after
        RESTART_LIMIT crashes within RESTART_WINDOW_S, which is a program that cannot stay up."""
        assert self.runtime is not None
        now = time.monotonic()
        self.crashes = [t for t in getattr(self, "crashes", []) if now - t < RESTART_WINDOW_S] + [now]
        if len(self.crashes) > RESTART_LIMIT:
            err(f"the local runtime stopped {len(self.crashes)} times within {RESTART_WINDOW_S:.0f} s; giving up (see the log above)")
            return False
        delay = min(2 ** (len(self.crashes) - 1), 30)
        ports = {block: urlsplit(url).port or 0 for block, url in self.runtime.urls.items()}
        err(f"the local runtime stopped unexpectedly; restarting it on the same ports in {delay} s "
            f"(restart {len(self.crashes)} of at most {RESTART_LIMIT} per {RESTART_WINDOW_S / 60:.0f} min)")
        self.runtime.stop()
        time.sleep(delay)
        try:
            self.start(ports)
        except LocalRuntimeError as error:
            err(f"could not restart the local runtime: {error}")
            return self.restart()
        progress("the local runtime is back; consoles attached to it reconnect by themselves")
        return True

    def start(self, ports: int | dict[str, int] | None) -> None:
        project = self.project
        blocks = [w.block for w in project.manifest.workers]
        progress(f"built {project.name}: {len(blocks)} worker{'s' if len(blocks) != 1 else ''} in {_shown(project.out_dir)}")
        self.runtime = LocalRuntime(
            project.manifest_path,
            secrets_path=project.root / FILE_NAME,
            state_dir=project.out_dir / "state",
            ports=ports,
            vars=self.overrides,
            on_log=LogPrinter(blocks),
            run_crons=not self.args.no_crons,
        )
        self.runtime.start(progress)
        shown = ", ".join(f"{name} {mask(value)}" for name, value in self.runtime.secrets.items())
        progress(f"secrets from {_shown(self.runtime.secrets_path)}: {shown or 'none'}")
        progress(f"state in {_shown(self.runtime.state_dir)} (kept between runs)")
        crons = [f"{s.name} ({w.block}) {s.cron}" for w in project.manifest.workers for s in w.schedules]
        if crons:
            when = "not fired by the clock (--no-crons)" if self.args.no_crons else "fired at their times, UTC"
            progress(f"crons {when}: {', '.join(crons)}")

    def reload(self, changed: list[Path]) -> None:
        progress(f"{', '.join(_shown(path) for path in changed)} changed: rebuilding")
        project = load_project(self.args)  # prints compile errors with their carets
        if project is None:
            progress("the previous build keeps running; fix the error and save again")
            return
        assert self.runtime is not None
        # The same ports again, so a browser tab or curl loop keeps working across the reload.
        ports = {block: urlsplit(url).port or 0 for block, url in self.runtime.urls.items()}
        self.runtime.stop()  # local queues live in memory: messages not yet consumed are dropped
        self.project = project
        blocks = {w.block for w in project.manifest.workers}
        try:
            self.start({block: port for block, port in ports.items() if block in blocks})
        except LocalRuntimeError as error:
            progress(f"could not reuse the same ports ({error}); starting on free ports")
            self.start(None)

    def stop(self) -> None:
        if self.runtime is not None:
            self.runtime.stop()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)
