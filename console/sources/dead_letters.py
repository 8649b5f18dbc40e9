"""The dead-letter store of one worker (``GET /__tova/dlq``), newest first, paged up to a cap.

The cap keeps a poll cheap when thousands have died; ``dead_letter_total`` is always the store's full
count, so the screen can say "showing 200 of 12,000".
"""

from __future__ import annotations

from typing import Any, Mapping

from console.model import DeadLetter
from console.ops_client import OpsClient, OpsError
from console.sources.base import Contribution, SourceError

PAGE_SIZE = 200  # the route gives up to 500 a page
DEFAULT_CAP = 200  # per poll: one request, enough rows for any screen; `tova dlq list --limit` goes further


def _seconds(ms: Any) -> float:
    return float(ms) / 1000 if isinstance(ms, (int, float)) and not isinstance(ms, bool) else 0.0


def parse_dead_letter(item: Mapping[str, Any], worker: str | None) -> DeadLetter:
    if not isinstance(item, Mapping) or "id" not in item:
        raise SourceError(f"dead letter without an id: {str(item)[:80]}")
    attempts = item.get("attempts")
    return DeadLetter(
        id=str(item["id"]), queue=str(item.get("queue") or ""), dlq=str(item.get("dlq") or ""),
        body=item.get("body"), attempts=int(attempts) if isinstance(attempts, (int, float)) else 0,
        first_seen=_seconds(item.get("first_seen")), last_seen=_seconds(item.get("last_seen")),
        error=item.get("error") if isinstance(item.get("error"), str) else None, worker=worker,
        replays=int(item["replays"]) if isinstance(item.get("replays"), (int, float)) else 0,
        state=item["state"] if item.get("state") in ("stored", "replaying", "in_flight", "arriving") else "stored",
    )


async def list_dead_letters(ops: OpsClient, queue: str | None = None, cap: int = DEFAULT_CAP,
                            arriving: bool = False) -> tuple[list[DeadLetter], int]:
    """Up to ``cap`` dead letters (newest first) and the store's total. Raises OpsError."""
    letters: list[DeadLetter] = []
    cursor: str | None = None
    total = 0
    while len(letters) < cap:
        page = await ops.dead_letters(queue=queue, limit=min(PAGE_SIZE, cap - len(letters)), cursor=cursor,
                                      arriving=arriving)
        if not isinstance(page, Mapping):
            raise OpsError(f"{ops.block} /dlq: expected a JSON object")
        letters.extend(parse_dead_letter(m, ops.block) for m in page.get("messages") or ())
        total = int(page.get("total") or len(letters))
        cursor = page.get("next_cursor")
        if not cursor or not page.get("messages"):
            break
    return letters, max(total, len(letters))


class DeadLettersSource:
    """Polls cheaply when nothing changed: one newest-first row and the total say whether the store is
    as it was (a new death, a re-death, a replay or a delete all change the newest row or the total);
    only then is the full page fetched again, bodies and all. Letters still arriving (given up on, not
    yet stored by their DLQ's consumer) are included, so the queues' dead counters and this table
    agree at every poll."""

    def __init__(self, ops: OpsClient, block: str, cap: int = DEFAULT_CAP) -> None:
        self.name = f"dlq:{block}"
        self.ops = ops
        self.cap = cap
        self._seen: tuple[int, str | None, float | None] | None = None
        self._letters: tuple[DeadLetter, ...] = ()

    async def poll(self) -> Contribution:
        try:
            probe = await self.ops.dead_letters(limit=1, arriving=True)
            if not isinstance(probe, Mapping):
                raise OpsError(f"{self.ops.block} /dlq: expected a JSON object")
            newest = [parse_dead_letter(m, self.ops.block) for m in probe.get("messages") or ()][:1]
            seen = (int(probe.get("total") or 0), newest[0].id if newest else None, newest[0].last_seen if newest else None)
            if seen != self._seen:
                letters, total = await list_dead_letters(self.ops, cap=self.cap, arriving=True)
                self._letters = tuple(letters)
                seen = (total, letters[0].id if letters else None, letters[0].last_seen if letters else None)
            self._seen = seen
        except OpsError as exc:
            raise SourceError(str(exc)) from None
        return Contribution(dead_letters=self._letters, dead_letter_total=seen[0])


class DeadLetterPager:
    """The stores' dead letters a page at a time, newest first, for browsing past the poll's first page.

    With several stores (one per consumer worker) the pages are one list merged by (last seen, id), the
    order each store pages in, so each store is read once, a chunk at a time, only as far as the pages
    asked for. Pages already read are kept: going back is free, and a page does not change under the
    reader while letters keep dying (the poll's first page is the live one)."""

    def __init__(self, stores: list[OpsClient], size: int = PAGE_SIZE, queue: str | None = None) -> None:
        self.size = size
        self.queue = queue
        self._streams = [_StoreStream(ops, queue) for ops in stores]
        self._pages: list[list[DeadLetter]] = []
        self._building: list[DeadLetter] = []  # the next page, as far as it was read
        self.total = 0

    @property
    def pages(self) -> int:
        """How many pages the stores hold, as their totals say now."""
        return max(1, -(-self.total // self.size))

    async def page(self, index: int) -> list[DeadLetter]:
        """Page ``index`` (0 is the newest); empty past the end. Raises OpsError.

        Safe to cancel (the console drops a read when the user pages on): a letter leaves its store's
        stream only together with joining the page being built, which is kept for the next call."""
        while len(self._pages) <= index:
            while len(self._building) < self.size and (letter := await self._next()) is not None:
                self._building.append(letter)
            if not self._building:
                return []
            self._pages.append(self._building)
            self._building = []
        return self._pages[index]

    async def _next(self) -> DeadLetter | None:
        heads = [(await stream.head(), stream) for stream in self._streams]
        self.total = sum(stream.total for stream in self._streams)
        heads = [(letter, stream) for letter, stream in heads if letter is not None]
        if not heads:
            return None
        letter, stream = max(heads, key=lambda pair: (pair[0].last_seen, pair[0].id))
        stream.pop()
        return letter


class _StoreStream:
    """One store read forward a page at a time through its cursor."""

    def __init__(self, ops: OpsClient, queue: str | None) -> None:
        self.ops, self.queue = ops, queue
        self.buffer: list[DeadLetter] = []
        self.cursor: str | None = None
        self.exhausted = False
        self.total = 0

    async def head(self) -> DeadLetter | None:
        if not self.buffer and not self.exhausted:
            page = await self.ops.dead_letters(queue=self.queue, limit=PAGE_SIZE, cursor=self.cursor, arriving=True)
            if not isinstance(page, Mapping):
                raise OpsError(f"{self.ops.block} /dlq: expected a JSON object")
            self.buffer = [parse_dead_letter(m, self.ops.block) for m in page.get("messages") or ()]
            self.total = int(page.get("total") or 0)
            self.cursor = page.get("next_cursor")
            self.exhausted = not self.cursor or not self.buffer
        return self.buffer[0] if self.buffer else None

    def pop(self) -> None:
        self.buffer.pop(0)
