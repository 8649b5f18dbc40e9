"""The console's logs pane on the Cloudflare target: one live tail per worker, read in the background.

Tails start at the first poll (a one-shot `tova status` builds no such source) and are deleted when the
target stops. A worker whose tail cannot be made (the token lacks "Workers Tail: Read", the worker is
not deployed) marks this source down with the API's reason; the others keep streaming.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from typing import Any, Mapping

from console.model import LogLine
from console.sources.base import Contribution, SourceError
from console.targets.cloudflare.client import CloudflareError, Credentials
from console.targets.cloudflare.tail import LineRate, Tail, TailFilters, lines_of

LINES_KEPT = 200
RETRY_S = 30.0  # after a tail could not be made for a reason that may pass (5xx, a network error)


class TailSource:
    name = "cloudflare:tail"

    def __init__(self, creds: Credentials, client: Any, scripts: Mapping[str, str],
                 filters: TailFilters = TailFilters(), per_s: int = 20) -> None:
        self.creds, self.client = creds, client
        self.scripts = dict(scripts)  # block -> script name
        self.filters = filters
        self.lines: deque[LogLine] = deque(maxlen=LINES_KEPT)
        self.rates = {block: LineRate(per_s) for block in self.scripts}
        self.errors: dict[str, str] = {}
        self.tails: dict[str, Tail] = {}
        self.tasks: dict[str, asyncio.Task[None]] = {}

    async def poll(self) -> Contribution:
        if not self.tasks:
            for block, script in self.scripts.items():
                self.tasks[block] = asyncio.create_task(self._follow(block, script), name=f"tail {script}")
        if self.errors:
            raise SourceError("live logs: " + "; ".join(f"{b}: {e}" for b, e in sorted(self.errors.items())))
        return Contribution(logs=tuple(self.lines))

    def _note(self, block: str, message: str) -> None:
        self.lines.append(LogLine(time.time(), block, "warn", f"tail: {message}"))

    async def _follow(self, block: str, script: str) -> None:
        tail = self.tails[block] = Tail(self.creds, self.client, script, self.filters,
                                        on_note=lambda m: self._note(block, m))
        while True:
            try:
                async with contextlib.aclosing(tail.events()) as events:
                    async for event in events:
                        self.errors.pop(block, None)
                        lines, note = self.rates[block].admit(lines_of(event, block))
                        if note:
                            self._note(block, note)
                        self.lines.extend(lines)
            except CloudflareError as exc:
                self.errors[block] = str(exc)
                if exc.status in (401, 403, 404):
                    return  # a missing permission or worker does not fix itself; the source says so
                await asyncio.sleep(RETRY_S)

    async def close(self) -> None:
        """Stop every tail and delete it on the account (each task's generator deletes its own)."""
        tasks = list(self.tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.tasks.clear()
