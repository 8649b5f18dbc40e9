"""What the UI needs from a session, and the one place that knows its call shapes.

``console.session.Session`` (contracts §7) satisfies ``ConsoleSession``; tests use a small fake with
the same methods. Methods may be plain or async: ``call`` awaits whatever needs awaiting, so the UI
does not care which.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Protocol

from console.model import DeadLetter, Snapshot

Progress = Callable[[str], None]


class DeadLetterPages(Protocol):
    """The stores' dead letters a page at a time, newest first (``console.sources.dead_letters.DeadLetterPager``)."""

    size: int
    total: int
    pages: int

    async def page(self, index: int) -> list[DeadLetter]: ...


class ConsoleSession(Protocol):
    target_label: str

    async def start(self, progress: Progress) -> None: ...
    async def poll(self) -> Snapshot: ...
    async def replay(self, ids: list[str] | None = None, *, all: bool = False, rate: float | None = None,
                     progress: Callable[[int, int], None] | None = None) -> Any: ...
    async def delete(self, ids: list[str] | None = None, *, all: bool = False) -> Any: ...
    async def run_cron(self, name: str) -> Any: ...
    async def plan(self, progress: Progress) -> str: ...
    async def deploy(self, progress: Progress) -> Any: ...
    async def stop(self) -> None: ...
    def dead_letter_pager(self) -> DeadLetterPages: ...


async def call(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    result = function(*args, **kwargs)
    if inspect.isawaitable(result):
        result = await result
    return result


def field_of(result: Any, name: str, default: Any = None) -> Any:
    """Read ``name`` from a result that may be a dict (ops API JSON) or an object (dataclass)."""
    if isinstance(result, dict):
        return result.get(name, default)
    return getattr(result, name, default)


def count_of(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    return len(value)


def failures_of(result: Any) -> list[tuple[str, str]]:
    """(id, error) pairs: the session's ``failures`` dict, or the ops API's ``failed`` list."""
    failures = field_of(result, "failures")
    if isinstance(failures, dict):
        return list(failures.items())
    return [(field_of(f, "id"), field_of(f, "error") or "unknown error") for f in field_of(result, "failed") or []]


def describe_replay(result: Any, total: int | None = None) -> tuple[str, bool]:
    replayed = count_of(field_of(result, "replayed"))
    failed = failures_of(result)
    remaining = field_of(result, "remaining")
    text = f"replayed {replayed}" + (f" of {total}" if total else "")
    if failed:
        text += f", {len(failed)} failed (first: {failed[0][1]})"
    if remaining:
        text += f", {remaining} still dead"
    return text, not failed


def describe_delete(result: Any) -> str:
    return f"deleted {count_of(field_of(result, 'deleted'))}"


def describe_cron_run(name: str, run: Any) -> tuple[str, bool]:
    ok = bool(field_of(run, "ok", False))
    duration = field_of(run, "duration_ms")
    took = f" in {float(duration):.0f} ms" if duration is not None else ""
    if ok:
        return f"cron {name} ran{took}: ok", True
    return f"cron {name} failed{took}: {field_of(run, 'error') or 'no error message'}", False
