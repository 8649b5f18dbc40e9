"""Local crons fire at their UTC times, once per slot, and a failed run never stops the scheduler."""

from __future__ import annotations

from datetime import datetime, timezone

from console.model import LogLine
from console.targets.local.cron_scheduler import CronScheduler


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()


def scheduler(fire, start: str = "2026-11-30 12:01:00"):
    lines: list[LogLine] = []
    crons = [("api", "daily-report", "0 9 * * *"), ("back", "tick", "*/5 * * * *")]
    return CronScheduler(crons, fire, lines.append, clock=lambda: at(start)), lines


def test_each_cron_fires_at_its_slot_once():
    fired: list[tuple[str, str]] = []
    crons, lines = scheduler(lambda block, cron: fired.append((block, cron)) or "ok")
    assert crons.tick(at("2026-11-30 12:04:59")) == []
    assert [c.name for c in crons.tick(at("2026-11-30 12:05:00"))] == ["tick"]
    assert crons.tick(at("2026-11-30 12:05:30")) == []
    assert [c.name for c in crons.tick(at("2026-11-30 12:10:00.2"))] == ["tick"]
    assert fired == [("back", "*/5 * * * *"), ("back", "*/5 * * * *")]
    assert [(l.worker, l.level, l.message) for l in lines] == [("back", "info", "cron tick ran on schedule: ok")] * 2


def test_slots_missed_while_asleep_fire_once():
    fired: list[str] = []
    crons, _ = scheduler(lambda block, cron: fired.append(cron) or "ok")
    due = crons.tick(at("2026-12-01 10:00:00"))  # a night asleep: many ticks and one daily report missed
    assert sorted(c.name for c in due) == ["daily-report", "tick"]
    assert sorted(fired) == ["*/5 * * * *", "0 9 * * *"]
    assert crons.tick(at("2026-12-01 10:04:00")) == []


def test_a_failing_run_is_logged_and_the_next_slot_still_fires():
    calls = []

    def fire(block: str, cron: str) -> str:
        calls.append(cron)
        if len(calls) == 1:
            raise RuntimeError("the local runtime is not running")
        return "exception"

    crons, lines = scheduler(fire)
    crons.tick(at("2026-11-30 12:05:00"))
    crons.tick(at("2026-11-30 12:10:00"))
    assert len(calls) == 2
    assert [(l.level, l.message) for l in lines] == [
        ("error", "cron tick could not run on schedule: the local runtime is not running"),
        ("error", "cron tick ran on schedule: exception"),
    ]
