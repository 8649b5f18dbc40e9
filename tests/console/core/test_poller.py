import asyncio

import pytest
from hypothesis import given, strategies as st

from console.merge import fill
from console.model import Health, History, QueueState, StatValue, WorkerState
from console.poller import Poller
from console.sources.base import Contribution, SourceError


class ScriptedSource:
    """A source whose polls are controlled by the test: each poll waits on a gate, then answers."""

    def __init__(self, name, answer=None):
        self.name = name
        self.answer = answer or Contribution()
        self.fail: Exception | None = None
        self.calls = 0
        self.active = 0
        self.gate = asyncio.Event()
        self.gate.set()

    async def poll(self):
        self.calls += 1
        self.active += 1
        try:
            await self.gate.wait()
            if self.fail:
                raise self.fail
            return self.answer
        finally:
            self.active -= 1


def stat(value):
    return Contribution(stats=(StatValue("api /s", "n", value),))


async def test_sources_run_concurrently():
    sources = [ScriptedSource(f"s{i}") for i in range(4)]
    for s in sources:
        s.gate.clear()
    poller = Poller(sources, project="p", target="local")
    task = asyncio.ensure_future(poller.poll())
    for _ in range(20):
        await asyncio.sleep(0)
    # all four are inside poll() at once, none has finished: concurrent, not one after another
    assert [s.active for s in sources] == [1, 1, 1, 1]
    for s in sources:
        s.gate.set()
    snapshot = await task
    assert len(snapshot.sources) == 4 and all(st.ok for st in snapshot.sources)


async def test_poll_never_overlaps_itself():
    source = ScriptedSource("only", stat(1))
    source.gate.clear()
    poller = Poller([source], project="p", target="local")
    first = asyncio.ensure_future(poller.poll())
    second = asyncio.ensure_future(poller.poll())
    for _ in range(10):
        await asyncio.sleep(0)
    assert source.calls == 1 and source.active == 1
    source.gate.set()
    a, b = await asyncio.gather(first, second)
    assert a is b  # the second caller got the running poll's snapshot
    assert poller.polls == 1
    await poller.poll()
    assert source.calls == 2  # and the next poll after it finished is a new one


async def test_cancelled_caller_does_not_cancel_the_poll():
    source = ScriptedSource("only", stat(1))
    source.gate.clear()
    poller = Poller([source], project="p", target="local")
    impatient = asyncio.ensure_future(poller.poll())
    await asyncio.sleep(0)
    impatient.cancel()
    waiting = asyncio.ensure_future(poller.poll())
    await asyncio.sleep(0)
    source.gate.set()
    snapshot = await waiting
    assert snapshot.stats[0].value == 1 and source.calls == 1


async def test_failed_source_is_marked_down_and_keeps_last_good_data():
    now = [100.0]
    good = ScriptedSource("stats:api", stat(5))
    other = ScriptedSource("other", Contribution(queues=(QueueState("q", backlog_count=1),)))
    poller = Poller([good, other], project="p", target="local", clock=lambda: now[0])
    first = await poller.poll()
    assert first.source("stats:api").ok
    good.fail = SourceError("api GET /api/stats: connection refused")
    now[0] = 200.0
    second = await poller.poll()
    status = second.source("stats:api")
    assert not status.ok and status.error == "api GET /api/stats: connection refused"
    assert status.last_ok_at == 100.0 and status.polled_at == 200.0
    assert second.stats == first.stats  # last good data stays, marked by the failed status
    assert second.down_sources == (status,)
    assert second.source("other").ok


async def test_unexpected_exceptions_and_timeouts_never_escape():
    class Hangs:
        name = "hangs"

        async def poll(self):
            await asyncio.sleep(3600)

    class Broken:
        name = "broken"

        async def poll(self):
            raise KeyError("status")

    poller = Poller([Hangs(), Broken()], project="p", target="local", source_timeout=0.05)
    snapshot = await poller.poll()
    assert snapshot.source("hangs").error == "timed out"
    assert snapshot.source("broken").error == "'status'"
    assert not snapshot.source("broken").ok


async def test_when_down_replaces_stale_data():
    class HealthLike:
        name = "health:api"
        up = True

        async def poll(self):
            if not self.up:
                raise SourceError("connection refused")
            return Contribution(workers=(WorkerState("api", "p-api", "http://x", Health.OK),))

        def when_down(self, error, last):
            return Contribution(workers=(WorkerState("api", "p-api", "http://x", Health.DOWN, error=error),))

    source = HealthLike()
    skeleton = (WorkerState("api", "p-api", "http://x", Health.UNKNOWN), WorkerState("w", "p-w", None, Health.UNKNOWN))
    poller = Poller([source], project="p", target="local", workers=skeleton)
    assert [w.health for w in (await poller.poll()).workers] == [Health.OK, Health.UNKNOWN]
    source.up = False
    down = await poller.poll()
    assert down.workers[0].health is Health.DOWN and down.workers[0].error == "connection refused"
    source.up = True
    assert (await poller.poll()).workers[0].health is Health.OK  # recovers by itself



async def test_history_ring_buffers_are_fed_and_bounded():
    values = iter(range(100))
    now = [0.0]

    class Counter:
        name = "c"

        async def poll(self):
            now[0] += 1
            v = next(values)
            return Contribution(queues=(QueueState("q", backlog_count=v, acked=v * 10),))

    history = History(capacity=5)
    poller = Poller([Counter()], project="p", target="local", history=history, clock=lambda: now[0])
    for _ in range(8):
        await poller.poll()
    backlog = history.series("queue:q:backlog")
    assert [v for _, v in backlog.recent] == [3.0, 4.0, 5.0, 6.0, 7.0]
    assert backlog.points[0] == (0.0, 2.0)  # the points before, folded into their minute
    assert history.series("queue:q:acked").rate_per_s() == pytest.approx(10.0)


async def test_merge_fills_queue_fields_from_several_sources():
    producer = ScriptedSource("queues:api", Contribution(queues=(QueueState("jobs", backlog_count=4),)))
    consumer = ScriptedSource("queues:worker", Contribution(queues=(QueueState("jobs", acked=9, dead_lettered=1),)))
    skeleton = (QueueState("jobs", consumer="worker", dead_letter_queue="jobs-dlq"),)
    snapshot = await Poller([producer, consumer], project="p", target="local", queues=skeleton).poll()
    (q,) = snapshot.queues
    assert (q.backlog_count, q.acked, q.dead_lettered, q.consumer, q.dead_letter_queue) == (4, 9, 1, "worker", "jobs-dlq")


def test_duplicate_source_names_are_refused():
    with pytest.raises(ValueError, match="unique"):
        Poller([ScriptedSource("a"), ScriptedSource("a")], project="p", target="local")


async def test_a_broken_when_down_still_never_escapes():
    class Fragile:
        name = "fragile"

        async def poll(self):
            raise SourceError("down")

        def when_down(self, error, last):
            raise ValueError("bug in the fallback")

    snapshot = await Poller([Fragile(), ScriptedSource("fine", stat(2))], project="p", target="local").poll()
    assert snapshot.source("fragile").error == "down" and snapshot.stats[0].value == 2

counts = st.none() | st.integers(0, 10**6)


@given(st.builds(QueueState, name=st.just("q"), backlog_count=counts, acked=counts, retried=counts, dead_lettered=counts),
       st.builds(QueueState, name=st.just("q"), backlog_count=counts, acked=counts, retried=counts, dead_lettered=counts))
def test_fill_takes_what_the_other_source_knows_and_never_forgets(base, extra):
    merged = fill(base, extra)
    for field in ("backlog_count", "acked", "retried", "dead_lettered"):
        theirs, ours = getattr(extra, field), getattr(base, field)
        assert getattr(merged, field) == (theirs if theirs is not None else ours)
