import pytest

from console.actions import ActionError
from console.model import Health
from console.project import SecretMissing
from console.session import Session

from core_fakes import TOKEN, FakeTarget


async def test_poll_gathers_every_source(session, ops):
    ops.add_dead(3)
    snapshot = await session.poll()
    assert {s.name for s in snapshot.sources} == {
        "health:api", "health:worker", "queues:api", "queues:worker", "dlq:worker", "crons:api", "stats:api /api/stats"}
    assert all(s.ok for s in snapshot.sources), snapshot.down_sources
    assert [w.health for w in snapshot.workers] == [Health.OK, Health.OK]
    jobs = next(q for q in snapshot.queues if q.name == "jobs")
    assert (jobs.backlog_count, jobs.acked, jobs.consumer, jobs.dead_letter_queue) == (3, 10, "worker", "jobs-dlq")
    assert next(q for q in snapshot.queues if q.name == "jobs-dlq").is_dead_letter_queue
    assert snapshot.dead_letter_total == 3 and snapshot.dead_letters[0].id == "m2"
    assert snapshot.crons[0].name == "cleanup" and snapshot.crons[0].next_run > snapshot.taken_at
    assert {s.key for s in snapshot.stats} == {"total", "pending", "by_status.failed"}
    assert session.target_label == "local · fake"


async def test_one_worker_down_marks_only_its_sources(session, ops):
    ops.down.add("worker")
    snapshot = await session.poll()
    assert {s.name for s in snapshot.down_sources} == {"health:worker", "queues:worker", "dlq:worker"}
    assert [w.health for w in snapshot.workers] == [Health.OK, Health.DOWN]
    assert "connection refused" in snapshot.workers[1].error


async def test_replay_selected_sends_then_removes(session, ops):
    ops.add_dead(5)
    seen = []
    result = await session.replay(["m1", "m3"], progress=lambda done, total: seen.append((done, total)))
    assert result.replayed == ["m1", "m3"] and result.failed == [] and result.remaining == 3
    assert ops.sent == [{"job": 1}, {"job": 3}]
    assert seen[-1] == (2, 2)


async def test_replay_all_is_paced_in_chunks_with_progress(session, ops):
    ops.add_dead(7)
    seen = []
    result = await session.replay(all=True, rate=3, progress=lambda done, total: seen.append((done, total)))
    assert result.count == 7 and result.remaining == 0
    assert seen == [(3, 7), (6, 7), (7, 7)]
    bodies = [r for r in ops.requests if r.url.path == "/__tova/dlq/replay"]
    assert all(b'"rate": 3' in r.content or b'"rate":3' in r.content for r in bodies)


async def test_replay_never_drops_failed_messages(session, ops):
    ops.add_dead(4)
    ops.poison_ids = {"m0", "m2"}
    result = await session.replay(all=True, rate=10)
    assert sorted(result.replayed) == ["m1", "m3"]
    assert [(f.id, f.error) for f in result.failed] == [("m0", "queue send failed"), ("m2", "queue send failed")]
    assert result.remaining == 2
    # every message is either back on its queue or still in the store
    assert len(ops.sent) + len(ops.dead) == 4
    assert {m["id"] for m in ops.dead} == {"m0", "m2"}


async def test_replay_all_with_max_stops_there(session, ops):
    ops.add_dead(10)
    result = await session.replay(all=True, rate=3, max=4)
    assert result.count == 4 and result.remaining == 6 and len(ops.dead) == 6


async def test_replay_unknown_id_is_reported(session, ops):
    ops.add_dead(1)
    result = await session.replay(["m0", "nope"])
    assert result.replayed == ["m0"] and [(f.id, f.error) for f in result.failed] == [("nope", "not found")]


async def test_replay_of_a_queue_filters_by_source_queue(session, ops):
    ops.add_dead(2)
    ops.add_dead(1, queue="other")
    result = await session.replay(all=True, queue="jobs-dlq")  # the DLQ's own name works too
    assert result.count == 2 and [m["queue"] for m in ops.dead] == ["other"]
    with pytest.raises(ActionError, match="no dead-letter queue for 'nope'"):
        await session.replay(all=True, queue="nope")


async def test_delete(session, ops):
    ops.add_dead(3)
    assert (await session.delete(["m0"])).deleted == 1
    assert (await session.delete(all=True)).deleted == 2
    assert ops.dead == []


async def test_run_cron_returns_the_run(session, ops):
    run = await session.run_cron("cleanup")
    assert run.ok and run.trigger == "manual" and run.duration_ms == 12
    assert (await session.poll()).crons[0].runs[0].id == run.id
    with pytest.raises(ActionError, match=r"no cron named 'nope' in jobs \(crons: cleanup\)"):
        await session.run_cron("nope")


async def test_read_only_refuses_every_change(project, ops):
    import httpx
    async with httpx.AsyncClient(transport=ops.transport()) as http:
        session = Session(project, FakeTarget(), read_only=True, http=http)
        await session.start()
        ops.add_dead(1)
        for action in (lambda: session.replay(all=True), lambda: session.delete(all=True),
                       lambda: session.run_cron("cleanup"), lambda: session.deploy()):
            with pytest.raises(ActionError, match="read-only"):
                await action()
        assert ops.sent == [] and len(ops.dead) == 1 and ops.runs == []
        assert (await session.poll()).dead_letter_total == 1  # reading still works
        await session.stop()


async def test_deploy_needs_a_target_that_deploys(session):
    with pytest.raises(NotImplementedError, match="local target does not deploy"):
        await session.deploy()


async def test_missing_secret_for_stats_header_is_a_clear_error(project, ops):
    import httpx
    async with httpx.AsyncClient(transport=ops.transport()) as http:
        session = Session(project, FakeTarget(secrets={"TOVA_ADMIN_TOKEN": TOKEN}), http=http)
        with pytest.raises(SecretMissing, match="X-API-Key needs the secret API_KEY"):
            await session.start()
        await session.stop()


async def test_stop_stops_the_target_once(project):
    target = FakeTarget()
    session = Session(project, target)
    await session.start()
    await session.stop()
    await session.stop()
    assert (target.started, target.stopped) == (1, 1)


async def test_settle_waits_for_backlog_to_drain(session, ops):
    polls = []
    real_poll = session.poll

    async def draining_poll():
        polls.append(1)
        ops.backlog = max(0, ops.backlog - 1)
        return await real_poll()

    session.poll = draining_poll
    assert await session.settle(timeout=30, interval=0)
    assert len(polls) == 3 and ops.backlog == 0


async def test_a_target_that_fails_to_start_is_still_stopped(project):
    class Failing(FakeTarget):
        async def start(self, progress):
            self.started += 1
            raise RuntimeError("workerd exited: port in use")

    target = Failing()
    session = Session(project, target)
    with pytest.raises(RuntimeError, match="port in use"):
        await session.start()
    await session.stop()
    assert target.stopped == 1


async def test_settle_after_replay_waits_for_every_outcome(session, ops):
    ops.add_dead(2)
    ops.backlog = 0
    ops.consume_replays = False
    baseline = await session.poll()
    result = await session.replay(all=True)
    assert not await session.settle(timeout=0, interval=0, baseline=baseline, replayed=result.count, since=0)
    ops.counters["acked"] += 1  # one completes ...
    assert not await session.settle(timeout=0, interval=0, baseline=baseline, replayed=2, since=2e9)
    ops.add_dead(1)  # ... and one dies again: back in the store, seen after the replay
    ops.dead[-1]["last_seen"] = 2_000_000_000_000
    assert await session.settle(timeout=0, interval=0, baseline=baseline, replayed=2, since=1_999_999_999)
