"""``tova status FILE [--json]``: one poll of every source the console shows, then stop.

Exit 0 when every worker answers and every source polled; 1 when a worker is down, a source failed,
or the project cannot start (the JSON is still printed when a poll ran, for alerting scripts).
"""

from __future__ import annotations

import argparse

from console.commands.session_cli import add_project_arguments, run_session
from console.model import Snapshot
from console.session import Session
from console.snapshot_json import iso, overall, snapshot_to_json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "status", help="one poll of health, queues, dead letters, crons and stats",
        description="Start the target, poll every source once, print the result and stop. "
        "Exit 0 when all is up, 1 when a worker is down or a source failed.",
    )
    add_project_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the snapshot as JSON (for scripts and alerts)")
    parser.set_defaults(run=run)


def _ago(seconds: float | None, now: float) -> str:
    if seconds is None:
        return "never"
    delta = now - seconds
    if delta < 0:
        return f"in {_duration(-delta)}"
    return f"{_duration(delta)} ago"


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds / 60:.0f}m"
    if seconds < 86400:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds / 86400:.1f}d"


def _figure(value: float | int | None) -> str:
    if value is None:
        return "-"
    return f"{value:g}" if isinstance(value, float) else str(value)


def human_summary(snapshot: Snapshot, label: str) -> str:
    now = snapshot.taken_at
    lines = [f"{snapshot.project} on {label}: {overall(snapshot)}   (polled {iso(now)})", "", "workers"]
    for w in snapshot.workers:
        checks = ", ".join(f"{c.name} {c.status.value}" for c in w.checks)
        heap = f"  heap {w.memory.heap_used / 1e6:.1f} MB" if w.memory.heap_used else ""
        reason = f"  ({w.error})" if w.error else ""
        lines.append(f"  {w.block:<14} {w.health.value:<11}{heap}{'  ' + checks if checks else ''}{reason}")
    if snapshot.runtime_rss:
        lines.append(f"  runtime RSS {snapshot.runtime_rss / 1e6:.1f} MB")
    if snapshot.queues:
        lines += ["", "queues"]
        for q in snapshot.queues:
            figures = (q.backlog_count, q.acked, q.retried, q.dead_lettered)
            if q.is_dead_letter_queue and all(f is None for f in figures):
                lines.append(f"  {q.name:<20} dead-letter queue: what it takes is kept in the store below")
                continue
            kind = " (dead-letter queue)" if q.is_dead_letter_queue else ""
            age = f"  oldest {_duration(q.oldest_message_age_s)}" if q.oldest_message_age_s else ""
            lines.append(
                f"  {q.name:<20} backlog {_figure(q.backlog_count)}{age}  acked {_figure(q.acked)}  "
                f"retried {_figure(q.retried)}  dead {_figure(q.dead_lettered)}{kind}"
                + (f"  DROPPED {q.dropped}" if q.dropped else "")
            )
            if q.last_error:
                lines.append(f"    last error: {q.last_error}")
    lines += ["", f"dead letters: {snapshot.dead_letter_total}"]
    for d in snapshot.dead_letters[:5]:
        lines.append(f"  {d.id}  {d.queue}  attempts {d.attempts}  {_ago(d.last_seen, now)}  {d.error or ''}".rstrip())
    if snapshot.dead_letter_total > 5:
        lines.append(f"  ... (tova dlq list shows all)")
    if snapshot.crons:
        lines += ["", "crons"]
        for c in snapshot.crons:
            last = c.runs[0] if c.runs else None
            last_text = "never run" if last is None else f"last {'ok' if last.ok else 'FAILED'} {_ago(last.started_at, now)}"
            lines.append(f"  {c.name:<18} {c.cron:<15} next {iso(c.next_run) or '-'}  {last_text}")
    if snapshot.stats:
        lines += ["", "stats"]
        endpoints: dict[str, list[str]] = {}
        for s in snapshot.stats:
            endpoints.setdefault(s.endpoint, []).append(f"{s.key} {_figure(s.value)}")
        for endpoint, values in endpoints.items():
            lines.append(f"  {endpoint}: {'  '.join(values)}")
    down = snapshot.down_sources
    lines += ["", "sources down: " + ("none" if not down else "")]
    for s in down:
        lines.append(f"  {s.name}: {s.error}")
    return "\n".join(lines)


def exit_code(snapshot: Snapshot) -> int:
    return 1 if overall(snapshot) == "down" or snapshot.down_sources else 0


def run(args: argparse.Namespace) -> int:
    async def body(session: Session) -> int:
        snapshot = await session.poll()
        if args.json:
            print(snapshot_to_json(snapshot, session.history, label=session.target_label))
        else:
            print(human_summary(snapshot, session.target_label))
        return exit_code(snapshot)

    return run_session(args, body, read_only=True)
