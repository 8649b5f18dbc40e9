"""Fires the project's crons at their times while the local runtime runs, as Cloudflare does in production.

workerd has no clock of its own for crons (``wrangler dev`` only fires them by hand), so a console
watching a local run would show "next run 09:00" and then nothing. This scheduler closes that gap: it
computes each cron's next time in UTC with croniter and fires the worker's real ``scheduled`` handler
through the runner. A run missed while the machine slept fires once, not once per missed slot.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from croniter import croniter

from console.model import LogLine


@dataclass
class ScheduledCron:
    block: str
    name: str
    cron: str
    next_at: float = 0.0  # epoch seconds


def next_time(cron: str, after: float) -> float:
    return croniter(cron, datetime.fromtimestamp(after, timezone.utc)).get_next(float)


class CronScheduler:
    """``fire(block, cron) -> outcome`` runs one scheduled event; ``log`` reports each run."""

    def __init__(
        self,
        crons: list[tuple[str, str, str]],  # (block, name, cron expression)
        fire: Callable[[str, str], str],
        log: Callable[[LogLine], None],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.clock = clock
        self.fire = fire
        self.log = log
        now = clock()
        self.crons = [ScheduledCron(block, name, cron, next_time(cron, now)) for block, name, cron in crons]
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def due(self, now: float) -> list[ScheduledCron]:
        """The crons due at ``now``, each moved on to its next time after ``now``."""
        due = [cron for cron in self.crons if cron.next_at <= now]
        for cron in due:
            cron.next_at = next_time(cron.cron, now)
        return due

    def tick(self, now: float) -> list[ScheduledCron]:
        due = self.due(now)
        for cron in due:
            try:
                outcome = self.fire(cron.block, cron.cron)
                level = "info" if outcome == "ok" else "error"
                message = f"cron {cron.name} ran on schedule: {outcome}"
            except Exception as error:  # the scheduler must outlive any one failed run
                level, message = "error", f"cron {cron.name} could not run on schedule: {error}"
            self.log(LogLine(time.time(), cron.block, level, message))
        return due

    def start(self) -> None:
        if not self.crons or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="tova-local-crons", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            wait = min(cron.next_at for cron in self.crons) - self.clock()
            # Re-check at least every 30 s: the wall clock may jump (suspend, NTP) while we wait.
            if wait > 0 and self._stop.wait(min(wait, 30.0)):
                return
            self.tick(self.clock())
