import json

from hypothesis import given, strategies as st

from console.model import (Check, CronRun, CronState, DeadLetter, Health, History, QueueState, Series, Snapshot,
                           SourceStatus, StatValue, WorkerState)
from console.snapshot_json import iso, overall, snapshot_to_dict, snapshot_to_json


def snapshot(**changes) -> Snapshot:
    base = dict(
        taken_at=1_800_000_000.5, target="local", project="jobs",
        workers=(WorkerState("api", "jobs-api", "http://x", Health.OK, checks=(Check("memory", Health.UNAVAILABLE, "zero heap"),)),),
        queues=(QueueState("jobs", backlog_count=2, acked=10),),
        crons=(CronState("cleanup", "api", "*/5 * * * *", 1_800_000_300.0,
                         runs=(CronRun("r1", "cleanup", "manual", 1_799_999_999.0, 12.0, False, "db locked"),)),),
        stats=(StatValue("api /api/stats", "total", 7.0),),
        sources=(SourceStatus("health:api", True, 1_800_000_000.0, 1_800_000_000.0, latency_ms=3.2),),
    )
    base.update(changes)
    return Snapshot(**base)


def test_enums_become_values_and_times_get_an_iso_twin():
    data = snapshot_to_dict(snapshot())
    assert data["schema"] == 1 and data["status"] == "ok"
    assert data["taken_at"] == 1_800_000_000.5 and data["taken_at_iso"] == "2027-01-15T08:00:00.500Z"
    worker = data["workers"][0]
    assert worker["health"] == "ok" and worker["checks"][0] == {"name": "memory", "status": "unavailable", "detail": "zero heap"}
    run = data["crons"][0]["runs"][0]
    assert run["started_at_iso"] == "2027-01-15T07:59:59.000Z" and run["error"] == "db locked"
    assert data["crons"][0]["next_run_iso"] == "2027-01-15T08:05:00.000Z"
    assert data["sources"][0]["last_ok_at_iso"] == "2027-01-15T08:00:00.000Z"
    assert iso(None) is None


def test_overall_status_for_alerting():
    assert overall(snapshot()) == "ok"
    down = WorkerState("api", "jobs-api", None, Health.DOWN, error="connection refused")
    assert overall(snapshot(workers=(down,))) == "down"
    failed = SourceStatus("stats:api", False, 1.0, None, error="401")
    assert overall(snapshot(sources=(failed,))) == "degraded"
    letter = DeadLetter("m1", "jobs", "jobs-dlq", {"a": 1}, 4, 1.0, 2.0, "boom")
    assert overall(snapshot(dead_letters=(letter,), dead_letter_total=1)) == "degraded"
    # "unavailable" (cannot be measured here) is not a failure
    unmeasured = WorkerState("api", "jobs-api", None, Health.UNAVAILABLE)
    assert overall(snapshot(workers=(unmeasured,))) == "ok"


def test_rates_and_trends_come_from_the_history():
    history = History()
    history.record(snapshot(taken_at=100.0, queues=(QueueState("jobs", backlog_count=5, acked=10, retried=1),),
                            stats=(StatValue("api /api/stats", "total", 7.0),)))
    later = snapshot(taken_at=102.0, queues=(QueueState("jobs", backlog_count=2, acked=16, retried=1),),
                     stats=(StatValue("api /api/stats", "total", 9.0),))
    history.record(later)
    data = snapshot_to_dict(later, history)
    queue = data["queues"][0]
    assert queue["acked_per_s"] == 3.0 and queue["retried_per_s"] == 0.0 and queue["backlog_trend"] == -3.0
    assert queue["dead_lettered_per_s"] is None  # never reported: no rate, not a made-up 0
    assert data["stats"][0]["trend"] == 2.0


def test_series_is_a_bounded_ring_and_a_counter_reset_is_no_rate():
    series = Series(capacity=3, keep_s=0)
    for t, v in enumerate([1, 5, 9, 2]):
        series.add(float(t), v)
    assert list(series.recent) == [(1.0, 5.0), (2.0, 9.0), (3.0, 2.0)]
    assert series.last == 2.0 and series.trend() == -7.0
    assert series.rate_per_s() is None  # 9 -> 2: the store was purged or the runtime restarted
    series.add(4.0, None)  # unknown values are skipped, not zeros
    assert series.last == 2.0 and len(series.recent) == 3


def test_a_series_open_for_hours_keeps_the_older_points_one_per_minute_up_to_its_limit():
    series = Series(capacity=10, keep_s=3600)
    for t in range(0, 3 * 3600, 2):  # three hours of a poll every 2 s: a counter going up by one
        series.add(float(t), t / 2)
    points = series.points
    assert len(series.recent) == 10 and len(points) <= 10 + 60
    assert points[-1] == (3 * 3600 - 2.0, (3 * 3600 - 2) / 2)
    assert 3 * 3600 - points[0][0] <= 3600 + 120  # the last hour, downsampled
    older = [at for at, _ in points[:-10]]
    assert all(b - a == 60 for a, b in zip(older, older[1:]))
    assert series.rate_per_s() == 0.5


def test_backfill_puts_the_platforms_history_before_the_first_live_point_once():
    series = Series(capacity=5)
    series.add(1000.0, 7)
    history = [(700.0, 1.0), (760.0, 3.0), (820.0, 4.0), (1000.0, 99.0)]  # the last is not older: ignored
    series.backfill(history)
    series.backfill(history)  # the same again (a cached contribution) changes nothing
    assert series.points == [(660.0, 1.0), (720.0, 3.0), (780.0, 4.0), (1000.0, 7.0)]


text = st.text(max_size=20)
numbers = st.floats(allow_nan=False, allow_infinity=False, min_value=0, max_value=4e9)
json_values = st.recursive(st.none() | st.booleans() | st.integers() | text,
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3), max_leaves=8)


@given(st.lists(st.builds(DeadLetter, id=text, queue=text, dlq=text, body=json_values, attempts=st.integers(0, 99),
                          first_seen=numbers, last_seen=numbers, error=st.none() | text), max_size=4),
       st.lists(st.builds(QueueState, name=text, backlog_count=st.none() | st.integers(0, 10**9)), max_size=3))
def test_any_snapshot_is_valid_json(letters, queues):
    data = json.loads(snapshot_to_json(snapshot(dead_letters=tuple(letters), queues=tuple(queues)), History()))
    assert [d["id"] for d in data["dead_letters"]] == [d.id for d in letters]
    assert [q["name"] for q in data["queues"]] == [q.name for q in queues]
