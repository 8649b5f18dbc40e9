"""`tova console FILE`: compile, start the target, and watch it in the terminal dashboard.

Textual is imported only when the command runs, so `tova --help` and the other commands stay light
and ``console/`` outside ``console/ui`` never imports it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "console",
        help="the on-call dashboard: health, queues, dead letters, crons and logs, with actions",
        description="Compile FILE, start it on the target (local workerd by default) and watch it: "
        "worker health and memory, stats, queue backlog, dead letters (replay, delete), crons (run now), "
        "logs. Press ? inside for the keys.",
    )
    parser.add_argument("file", nargs="?", default=None, metavar="FILE",
                        help="the .tova program (default: the only .tova file in the current folder)")
    parser.add_argument("--target", choices=["local", "cloudflare"], default="local",
                        help="where the workers run (default: local)")
    parser.add_argument("--theme", default=None, help="tova-dark (default), tova-light, tova-16, or your own")
    parser.add_argument("--interval", type=float, default=None, metavar="SECONDS",
                        help="seconds between polls (default 2)")
    parser.add_argument("--read-only", action="store_true", default=None,
                        help="refuse every action that changes anything (replay, delete, run cron, deploy)")
    parser.add_argument("--no-mouse", dest="mouse", action="store_false", default=None,
                        help="do not capture the mouse (lets the terminal select text)")
    parser.set_defaults(run=run)


def find_source(file: str | None) -> Path:
    if file:
        path = Path(file)
        if not path.is_file():
            raise SystemExit(f"tova console: {file}: no such file")
        return path
    candidates = sorted(Path.cwd().glob("*.tova"))
    if len(candidates) != 1:
        found = ", ".join(p.name for p in candidates) or "none"
        raise SystemExit(f"tova console: name the .tova file to watch (found in this folder: {found})")
    return candidates[0]


def make_opener(source: Path, target_name: str, read_only: bool):
    """The function the app runs (in a thread) to compile the project and build its session."""

    def open_session(progress):
        from console.project import Project
        from console.session import Session, create_target

        progress(f"compiling {source}")
        project = Project.load(source)
        # read_only twice on purpose: the UI refuses with a message, the session refuses regardless
        return Session(project, create_target(target_name, project), read_only=read_only)

    return open_session


def run(args: argparse.Namespace) -> int:
    from console.ui.app import console_app
    from console.ui.config import ConfigError, check_interval, load_config
    from console.ui.themes import load_themes

    source = find_source(args.file)
    try:
        config = load_config()
        if args.interval is not None:
            check_interval(args.interval)
        config = config.with_flags(theme=args.theme, interval=args.interval, read_only=args.read_only,
                                   mouse=args.mouse)
    except ConfigError as error:
        print(f"tova console: {error}", file=sys.stderr)
        return 2
    themes, problems = load_themes()
    if config.theme not in themes:
        # a theme file that failed to parse is most likely the one asked for: say why, with its line
        broken = [p for p in problems if Path(p.source).stem == config.theme] or problems
        if broken:
            for problem in broken:
                print(f"tova console: theme file {problem.source}: {problem.message}", file=sys.stderr)
        print(f"tova console: no theme {config.theme!r} (have: {', '.join(sorted(themes))})", file=sys.stderr)
        return 2
    app = console_app(make_opener(source, args.target, config.read_only), config, title=f"tova console · {source.name}")
    app.run(mouse=config.mouse)
    return int(app.return_code or 0)
