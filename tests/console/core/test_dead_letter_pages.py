"""Browsing the dead-letter stores past the poll's first page: newest first, every letter once, across
several stores merged in the order each pages in, each store read only as far as asked."""

from __future__ import annotations

import httpx

from console.ops_client import OpsClient
from console.sources.dead_letters import DeadLetterPager

from core_fakes import TOKEN, URLS, FakeOps


def dlq_requests(ops: FakeOps) -> int:
    return sum(1 for r in ops.requests if r.url.path == "/__tova/dlq")


async def test_pages_walk_one_store_newest_first_and_going_back_costs_nothing():
    ops = FakeOps()
    ops.add_dead(650)
    async with httpx.AsyncClient(transport=ops.transport()) as http:
        pager = DeadLetterPager([OpsClient(http, "worker", URLS["worker"], TOKEN)], size=200)
        first = await pager.page(0)
        assert [d.id for d in first[:2]] == ["m649", "m648"] and len(first) == 200
        assert (pager.total, pager.pages) == (650, 4)
        last = await pager.page(3)
        assert len(last) == 50 and last[-1].id == "m0"
        assert await pager.page(4) == []
        every = [d.id for i in range(4) for d in await pager.page(i)]
        assert len(every) == len(set(every)) == 650
        asked = dlq_requests(ops)
        assert [d.id for d in await pager.page(1)][0] == "m449"
        assert dlq_requests(ops) == asked


def two_stores(letters: dict[str, list[int]]) -> httpx.MockTransport:
    """Two workers' stores, each a keyset-paged list of letters whose last_seen are the given numbers."""
    def handler(request: httpx.Request) -> httpx.Response:
        block = next(b for b, url in URLS.items() if str(request.url).startswith(url))
        mine = sorted(letters[block], reverse=True)
        start = int(request.url.params.get("cursor") or 0)
        limit = int(request.url.params["limit"])
        page = [{"id": f"{block}-{n}", "queue": "jobs", "last_seen": n * 1000, "attempts": 1}
                for n in mine[start:start + limit]]
        more = start + limit < len(mine)
        return httpx.Response(200, json={"messages": page, "next_cursor": str(start + limit) if more else None,
                                         "total": len(mine)})
    return httpx.MockTransport(handler)


async def test_several_stores_are_one_list_merged_by_when_each_letter_died():
    letters = {"api": list(range(0, 900, 3)), "worker": [n for n in range(900) if n % 3]}
    async with httpx.AsyncClient(transport=two_stores(letters)) as http:
        stores = [OpsClient(http, block, URLS[block], TOKEN) for block in ("api", "worker")]
        pager = DeadLetterPager(stores, size=250)
        seen = []
        for index in range(4):
            seen += await pager.page(index)
        assert pager.total == 900 and pager.pages == 4
        assert [d.last_seen for d in seen] == [float(n) for n in range(899, -1, -1)]
        assert {d.worker for d in seen} == {"api", "worker"}


async def test_the_sessions_pager_reads_the_workers_that_hold_the_dead_letters(session, ops):
    ops.add_dead(450)
    snapshot = await session.poll()
    assert len(snapshot.dead_letters) == 200 and snapshot.dead_letter_total == 450
    pager = session.dead_letter_pager()
    older = await pager.page(1)
    assert older[0].id == "m249" and older[0].worker == "worker" and pager.pages == 3
    assert not {d.id for d in older} & {d.id for d in snapshot.dead_letters}


async def test_a_page_read_cancelled_midway_loses_no_letter():
    # The console cancels a page read when the user presses ] again; the next read must go on from
    # where the first stopped, not skip what it had already taken from the store.
    import asyncio

    ops = FakeOps()
    ops.add_dead(450)
    gate = asyncio.Event()
    async with httpx.AsyncClient(transport=ops.transport()) as http:
        store = OpsClient(http, "worker", URLS["worker"], TOKEN)
        plain = store.dead_letters

        async def second_chunk_waits(**kwargs):
            if kwargs.get("cursor"):
                await gate.wait()
            return await plain(**kwargs)

        store.dead_letters = second_chunk_waits
        pager = DeadLetterPager([store], size=300)
        first = asyncio.create_task(pager.page(0))
        while dlq_requests(ops) < 1:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        first.cancel()
        gate.set()
        every = [d.id for i in range(2) for d in await pager.page(i)]
        assert len(every) == len(set(every)) == 450 and every[0] == "m449" and every[-1] == "m0"
