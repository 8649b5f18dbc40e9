"""The shape every polling source has, local or Cloudflare.

A source does one kind of I/O (health of the workers, queue metrics, the dead-letter store, ...) and
returns a ``Contribution``: the parts of a Snapshot it knows. ``poll`` raises on failure (``SourceError``
with a message fit for the screen); the poller catches it, records a failed ``SourceStatus`` and keeps the
previous contribution's data marked stale. A source whose stale data would mislead (a worker that stopped
answering is not "ok") may define ``when_down(error, last) -> Contribution`` to say what to show instead.
Sources never touch the UI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Protocol

from console.model import CronState, DeadLetter, LogLine, Memory, QueueState, StatValue, WorkerState


@dataclass(frozen=True)
class Contribution:
    workers: tuple[WorkerState, ...] = ()
    memory: Mapping[str, Memory] = field(default_factory=dict)  # by block; merged into workers
    queues: tuple[QueueState, ...] = ()  # merged by name: a field another source left None is filled
    dead_letters: tuple[DeadLetter, ...] | None = None  # None: this source does not know them
    dead_letter_total: int | None = None
    crons: tuple[CronState, ...] = ()
    stats: tuple[StatValue, ...] = ()
    logs: tuple[LogLine, ...] = ()
    runtime_rss: int | None = None
    backfill: tuple[tuple[str, float, float], ...] = ()  # (history key, epoch seconds, value) from before the start


class SourceError(Exception):
    """A poll failed; the message says what and where, never a secret."""


class Source(Protocol):
    name: str  # unique in a session, e.g. "health:api", "queues", "dlq:processor", "graphql"

    async def poll(self) -> Contribution: ...
