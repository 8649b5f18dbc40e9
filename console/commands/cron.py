"""``tova cron run FILE NAME`` runs a schedule now (the same code as its scheduled handler) and prints
the run; ``tova cron list FILE`` shows schedules, next runs and recent runs. Exit 1 when the run failed."""

from __future__ import annotations

import argparse
import sys

from console.commands.session_cli import add_project_arguments, run_session
from console.project import Project
from console.session import Session
from console.snapshot_json import iso

SETTLE_TIMEOUT_S = 30.0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("cron", help="run a cron now, or list crons",
                                   description="Crons of a project: run one now, or list them.")
    actions = parser.add_subparsers(dest="cron_action", metavar="ACTION", required=True)
    run_parser = actions.add_parser("run", help="run the named schedule now and print the result")
    add_project_arguments(run_parser)
    run_parser.add_argument("name", metavar="NAME", help="the schedule's name, e.g. daily-report")
    run_parser.set_defaults(run=run_now)
    list_parser = actions.add_parser("list", help="schedules, next run, last runs")
    add_project_arguments(list_parser)
    list_parser.set_defaults(run=run_list)


def run_now(args: argparse.Namespace) -> int:
    async def body(session: Session) -> int:
        run = await session.run_cron(args.name)
        # what the cron enqueued lives in memory on the local target: let it be consumed before stopping
        if session.target.name == "local" and not await session.settle(timeout=SETTLE_TIMEOUT_S):
            print(f"tova: queues still had a backlog after {SETTLE_TIMEOUT_S:.0f}s; stopping anyway", file=sys.stderr)
        outcome = "ok" if run.ok else f"FAILED: {run.error or 'no error message'}"
        print(f"{run.name}: {outcome}  ({run.duration_ms:.0f} ms, started {iso(run.started_at)}, run {run.id})")
        return 0 if run.ok else 1

    def check(project: Project) -> str | None:
        if project.manifest.schedule_owner(args.name) is None:
            names = ", ".join(project.manifest.schedule_names) or "none"
            return f"no cron named {args.name!r} in {project.name} (crons: {names})"
        return None

    return run_session(args, body, check=check)


def run_list(args: argparse.Namespace) -> int:
    async def body(session: Session) -> int:
        snapshot = await session.poll()
        if not snapshot.crons:
            print("no crons")
        for c in snapshot.crons:
            print(f"{c.name:<20} {c.worker:<12} {c.cron:<15} next {iso(c.next_run) or '-'}")
            for r in c.runs[:5]:
                print(f"    {iso(r.started_at)}  {r.trigger:<9} {'ok' if r.ok else 'FAILED ' + (r.error or '')}  {r.duration_ms:.0f} ms")
        source = next((s for s in snapshot.down_sources if s.name.startswith("crons:")), None)
        if source:
            print(f"(recent runs unavailable: {source.error})")
            return 1
        return 0

    return run_session(args, body, read_only=True)
