"""``tova tail FILE.tova [--worker W]``: live logs of the deployed workers, as `wrangler tail` gives them.

One tail per worker (every worker of the program unless ``--worker`` names some), with wrangler's
filters (``--status``, ``--method``, ``--search``, ``--header``, ``--ip``, ``--sampling-rate``); pretty
lines by default, the raw trace events with ``--format json``. At most ``--max-rate`` lines a second per
worker are printed, and a line says how many were not. Ctrl-C (or the terminal closing) deletes the
tails on the account before exiting.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "tail", help="live logs of the deployed workers on Cloudflare (like wrangler tail)",
        description="Stream the logs, exceptions and outcomes of the program's deployed workers until "
        "Ctrl-C. Credentials come from CLOUDFLARE_API_TOKEN (with Workers Tail: Read) and CLOUDFLARE_ACCOUNT_ID.",
    )
    parser.add_argument("file", metavar="FILE", help="the .tova program")
    parser.add_argument("--worker", "-w", action="append", default=[], metavar="BLOCK",
                        help="only this edge block (repeatable; default: every worker)")
    parser.add_argument("--status", action="append", default=[], choices=["ok", "error", "canceled"],
                        help="only events with this outcome (repeatable)")
    parser.add_argument("--method", action="append", default=[], metavar="METHOD", help="only requests with this method")
    parser.add_argument("--search", metavar="TEXT", help="only events whose logs contain TEXT")
    parser.add_argument("--header", metavar="NAME[:VALUE]", help="only requests with this header")
    parser.add_argument("--ip", action="append", default=[], metavar="ADDRESS", help="only requests from this client IP")
    parser.add_argument("--sampling-rate", type=float, metavar="R", help="log a fraction R (0..1) of the events")
    parser.add_argument("--format", choices=["pretty", "json"], default="pretty")
    parser.add_argument("--max-rate", type=int, default=50, metavar="N",
                        help="print at most N lines a second per worker (default 50); the rest are counted")
    parser.add_argument("--out", metavar="DIR", help="build folder (default: .tova-out beside FILE)")
    parser.set_defaults(run=run)


def _err(message: str) -> None:
    print(f"tova: {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from console.targets.cloudflare.client import CloudflareError, credentials_from_env
    from console.targets.cloudflare.tail import TailFilters

    source = Path(args.file)
    if not source.is_file():
        _err(f"{source}: no such file")
        return 1
    try:
        creds = credentials_from_env()
        filters = TailFilters(status=tuple(args.status), methods=tuple(args.method), search=args.search,
                              sampling_rate=args.sampling_rate, header=args.header, client_ips=tuple(args.ip))
        filters.message()
    except (CloudflareError, ValueError) as exc:
        _err(str(exc))
        return 1 if isinstance(exc, CloudflareError) else 2

    from compiler.diagnostics import CompileError
    from compiler.driver import build

    try:
        manifest = build(source, args.out).manifest
    except CompileError as exc:
        print(exc.render(), file=sys.stderr)
        return 1
    workers = {w["block"]: w["name"] for w in manifest.get("workers", [])}
    unknown = [b for b in args.worker if b not in workers]
    if unknown:
        _err(f"no edge block {', '.join(unknown)} in {source.name} (its blocks: {', '.join(workers)})")
        return 2
    chosen = {b: workers[b] for b in (args.worker or workers)}
    return asyncio.run(_tail_all(creds, chosen, filters, args))


async def _tail_all(creds, chosen: dict[str, str], filters, args: argparse.Namespace) -> int:
    from console.commands.dev import LogPrinter
    from console.targets.cloudflare.client import CloudflareError, async_client
    from console.targets.cloudflare.tail import LineRate, Tail, lines_of

    client = async_client(creds, max_retries=2)
    printer = LogPrinter(list(chosen))
    failures: list[str] = []

    def note(block: str, message: str) -> None:
        print(f"tova tail: {block}: {message}", file=sys.stderr, flush=True)

    async def follow(block: str, script: str) -> None:
        rate = LineRate(args.max_rate)
        tail = Tail(creds, client, script, filters, on_note=lambda m: note(block, m))
        try:
            async with contextlib.aclosing(tail.events()) as events:
                async for event in events:
                    shown, dropped = rate.admit([event] if args.format == "json" else lines_of(event, block))
                    if dropped:
                        note(block, dropped)
                    for item in shown:
                        if args.format == "json":
                            print(json.dumps({"worker": block, **item}), flush=True)
                        else:
                            printer(item)
        except CloudflareError as exc:
            failures.append(str(exc))
            _err(str(exc))

    tasks = [asyncio.create_task(follow(b, s)) for b, s in chosen.items()]
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, lambda: [t.cancel() for t in tasks])
    note(", ".join(chosen), f"tailing {len(chosen)} worker{'s' if len(chosen) != 1 else ''} (Ctrl-C to stop)")
    await asyncio.gather(*tasks, return_exceptions=True)
    await client.close()
    return 1 if failures and len(failures) == len(tasks) else 0
