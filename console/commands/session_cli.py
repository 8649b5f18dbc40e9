"""What the CLI twins share: the FILE/--target arguments, loading the project with compile errors
shown as carets (not tracebacks), and running one session from start to a clean stop."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Awaitable, Callable

from console.actions import ActionError
from console.manifest import ManifestError
from console.project import Project, ProjectError
from console.session import TARGETS, Session, create_target


def add_project_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="the .tova program")
    parser.add_argument("--target", choices=sorted(TARGETS), default="local",
                        help="where the workers run (default: local, needs no account)")
    parser.add_argument("--out", metavar="DIR", help="build folder (default: .tova-out beside FILE)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress lines on stderr")
    parser.add_argument("--read-only", action="store_true",
                        help="refuse every action that changes anything (replay, purge, run cron), as the console's flag does")


def err(message: str) -> None:
    print(f"tova: {message}", file=sys.stderr)


def load_project(args: argparse.Namespace) -> Project | None:
    """The project, or None after printing why not (compile errors with their carets)."""
    try:
        return Project.load(args.file, args.out)
    except (ProjectError, ManifestError) as exc:
        err(str(exc))
    except Exception as exc:
        render = getattr(exc, "render", None)
        if type(exc).__name__ != "CompileError" or render is None:
            raise
        # colour only for a person at a terminal, never with NO_COLOR (no-color.org), as `tova build` does
        color = sys.stderr.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
        print(render(color=color), file=sys.stderr)
    return None


SessionBody = Callable[[Session], Awaitable[int]]


def run_session(args: argparse.Namespace, body: SessionBody, *, read_only: bool = False,
                check: Callable[[Project], str | None] | None = None) -> int:
    """Load, start, run ``body``, stop. ``check`` vets the arguments against the project before the
    target starts (an unknown cron name should not cost a runtime start); it returns an error or None."""
    project = load_project(args)
    if project is None:
        return 1
    problem = check(project) if check else None
    if problem:
        err(problem)
        return 1
    quiet = getattr(args, "quiet", False)

    def progress(message: str) -> None:
        if not quiet:
            line = message if message.startswith("==>") else f"==> {message}"
            print(line, file=sys.stderr, flush=True)

    async def main() -> int:
        try:
            target = create_target(args.target, project, live=False)
        except (ActionError, ValueError) as exc:
            err(str(exc))
            return 1
        session = Session(project, target, read_only=read_only or getattr(args, "read_only", False))
        try:
            try:
                await session.start(progress)
            except ProjectError as exc:
                err(str(exc))
                return 1
            except Exception as exc:  # a target that cannot start says why; no traceback for the user
                err(f"could not start the {args.target} target: {exc}")
                return 1
            try:
                return await body(session)
            except ActionError as exc:
                err(str(exc))
                return 1
        finally:
            await session.stop()

    return asyncio.run(main())


def confirm(question: str, assume_yes: bool) -> bool | None:
    """True/False from the user; None when nobody can be asked (no terminal on stdin and no --yes)."""
    if assume_yes:
        return True
    if not sys.stdin or not sys.stdin.isatty():
        return None
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")
