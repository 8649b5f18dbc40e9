"""Waiting for the app in Pilot tests: bounded polling for a condition, never a fixed sleep."""

from __future__ import annotations

from typing import Callable


async def wait_until(pilot, condition: Callable[[], bool], what: str, attempts: int = 200) -> None:
    for _ in range(attempts):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"gave up waiting for: {what}")
