"""``tova dlq list|show|replay|purge FILE``: the dead-letter store without the dashboard.

Replay claims each entry, sends its body back to its source queue and only then removes it (nothing is
lost, nothing is sent twice by replays running side by side; a failure leaves the message where it
was and is reported). Replay --all and purge ask first, and refuse outright when nobody can be asked
(no terminal) unless ``--yes`` is given.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Callable

from console.commands.session_cli import add_project_arguments, confirm, err, run_session
from console.ops_client import MAX_REPLAY_RATE
from console.project import Project
from console.session import Session
from console.snapshot_json import iso, to_jsonable

EXIT_USAGE = 2
SETTLE_TIMEOUT_S = 60.0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("dlq", help="list, replay or purge dead letters",
                                   description="The dead-letter store of a project: list, replay, purge.")
    actions = parser.add_subparsers(dest="dlq_action", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="show dead letters, newest first")
    add_project_arguments(listing)
    listing.add_argument("--queue", metavar="Q", help="only those that died on queue Q (or its DLQ's name)")
    listing.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    listing.add_argument("--json", action="store_true", help="JSON output")
    listing.set_defaults(run=run_list)

    show = actions.add_parser("show", help="one dead letter in full: body, attempts, error, first and last seen")
    add_project_arguments(show)
    show.add_argument("id", metavar="ID", help="the message id (from dlq list)")
    show.add_argument("--json", action="store_true", help="JSON output")
    show.set_defaults(run=run_show)

    for name, helptext in (("replay", "send dead letters back to their source queue"),
                           ("purge", "delete dead letters for good (asks first)")):
        action = actions.add_parser(name, help=helptext, description=helptext)
        add_project_arguments(action)
        action.add_argument("--queue", metavar="Q", help="only those that died on queue Q")
        chosen = action.add_mutually_exclusive_group(required=True)
        chosen.add_argument("--ids", nargs="+", metavar="ID", help="these message ids")
        chosen.add_argument("--all", action="store_true", help="every dead letter (of --queue if given)")
        action.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
        if name == "replay":
            action.add_argument("--rate", type=_rate, help="messages per second, up to 1000 (default from tova.toml, 50)")
            action.add_argument("--no-wait", action="store_true",
                                help="stop without waiting for the consumers to take the replayed messages")
            action.set_defaults(run=run_replay)
        else:
            action.set_defaults(run=run_purge)


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= MAX_REPLAY_RATE:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most {MAX_REPLAY_RATE:g} per second")
    return value


def _short(value: object, width: int) -> str:
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), default=str)
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def check_queue(args: argparse.Namespace) -> Callable[[Project], str | None]:
    """Before the target starts: does the project keep dead letters at all, and for --queue?"""

    def check(project: Project) -> str | None:
        known = project.manifest.dead_letter_names()
        if not known:
            return f"{project.name} has no dead-letter queue (no consumer sets dead_letter_queue)"
        queue = getattr(args, "queue", None)
        if queue and queue not in known:
            return f"no dead-letter queue for {queue!r} (queues with one: {', '.join(sorted(known))})"
        return None

    return check


def run_list(args: argparse.Namespace) -> int:
    async def body(session: Session) -> int:
        letters, total = await session.dead_letters(args.queue, limit=args.limit)
        if args.json:
            print(json.dumps({"total": total, "messages": to_jsonable(letters)}, indent=2, default=str))
            return 0
        if not letters:
            print("no dead letters")
            return 0
        print(f"{'ID':<38} {'QUEUE':<16} {'TRIES':>5}  {'LAST SEEN':<24} ERROR / BODY")
        for d in letters:
            print(f"{d.id:<38} {d.queue:<16} {d.attempts:>5}  {iso(d.last_seen) or '-':<24} "
                  f"{_short(d.error or '-', 40)}  {_short(d.body, 40)}")
        shown = f"{len(letters)} of {total}" if total > len(letters) else str(total)
        print(f"\n{shown} dead letter{'s' if total != 1 else ''}")
        return 0

    return run_session(args, body, read_only=True, check=check_queue(args))


def run_show(args: argparse.Namespace) -> int:
    async def body(session: Session) -> int:
        letter = await session.dead_letter(args.id)
        if letter is None:
            err(f"no dead letter {args.id!r} (tova dlq list shows the ids)")
            return 1
        if args.json:
            print(json.dumps(to_jsonable(letter), indent=2, default=str))
            return 0
        print(f"id          {letter.id}")
        print(f"queue       {letter.queue}  (dead-letter queue {letter.dlq}, store in worker {letter.worker})")
        print(f"attempts    {letter.attempts}" + (f"  (replayed {letter.replays} time{'s' if letter.replays != 1 else ''} before)" if letter.replays else ""))
        if letter.state != "stored":
            print("state       " + {"replaying": "being replayed now (another replay holds it)",
                                    "in_flight": "replayed, on its queue: it leaves the store once consumed",
                                    "arriving": "given up on, on its way to the store (replayable once stored)"}[letter.state])
        print(f"first seen  {iso(letter.first_seen)}")
        print(f"last seen   {iso(letter.last_seen)}")
        print(f"error       {letter.error or '(none recorded)'}")
        print("body")
        text = letter.body if isinstance(letter.body, str) else json.dumps(letter.body, indent=2, ensure_ascii=False)
        for line in text.splitlines() or [""]:
            print(f"  {line}")
        return 0

    return run_session(args, body, read_only=True, check=check_queue(args))


def run_replay(args: argparse.Namespace) -> int:
    async def body(session: Session) -> int:
        if args.all and not args.yes:
            _, total = await session.dead_letters(args.queue, limit=1)
            if total == 0:
                print("no dead letters to replay")
                return 0
            answer = confirm(f"Replay all {total} dead letters to their source queues?", False)
            if answer is None:
                # replaying everything re-runs every failed job: a script must say so, as with purge
                err("replay --all sends every dead letter back; stdin is not a terminal to ask, so pass --yes to confirm")
                return EXIT_USAGE
            if answer is False:
                print("nothing replayed")
                return 1

        def progress(done: int, total: int) -> None:
            if not args.quiet:
                print(f"==> replayed {done}/{total}", file=sys.stderr, flush=True)

        baseline = await session.poll()
        since = time.time() - 1  # the store's clock is the runtime's: a second of slack
        result = await session.replay(args.ids, all=args.all, queue=args.queue, rate=args.rate, progress=progress)
        skipped = f", skipped {len(result.skipped)} (another replay holds them)" if result.skipped else ""
        print(f"replayed {result.count}, failed {len(result.failed)}{skipped}, still in the store {result.remaining}")
        for failure in result.failed:
            print(f"  failed {failure.id}: {failure.error}")
        owns_runtime = session.target.name == "local" and getattr(getattr(session.target, "runtime", None), "attached_pid", None) is None
        if result.count and owns_runtime and not args.no_wait:
            # This process's runtime stops when it exits, and its queues live in memory: give the
            # consumers time to do the work asked for. Nothing is lost either way: an entry stays in
            # the store, marked in flight, until its message is consumed, and is replayable again
            # after a restart.
            if not args.quiet:
                print("==> waiting for the consumers to take the replayed messages", file=sys.stderr, flush=True)
            if not await session.settle(SETTLE_TIMEOUT_S, baseline=baseline, replayed=result.count, since=since):
                print(f"some replayed messages were still in flight after {SETTLE_TIMEOUT_S:.0f}s; they stay in the "
                      "dead-letter store until consumed, so the next replay sends them again")
        return 1 if result.failed else 0

    return run_session(args, body, check=check_queue(args))


def run_purge(args: argparse.Namespace) -> int:
    async def body(session: Session) -> int:
        if args.all:
            _, count = await session.dead_letters(args.queue, limit=1)
            what = f"all {count} dead letters" + (f" of {args.queue}" if args.queue else "")
        else:
            count = len(args.ids)
            what = f"{count} dead letter{'s' if count != 1 else ''}"
        if count == 0:
            print("no dead letters to purge")
            return 0
        answer = confirm(f"Delete {what} for good?", args.yes)
        if answer is None:
            err("purge deletes for good; stdin is not a terminal to ask, so pass --yes to confirm")
            return EXIT_USAGE
        if not answer:
            print("nothing deleted")
            return 1
        result = await session.delete(args.ids, all=args.all, queue=args.queue)
        print(f"deleted {result.deleted}")
        return 0

    return run_session(args, body, check=check_queue(args))
