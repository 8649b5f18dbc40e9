"""Shared helpers for tests that run the real local runtime (workerd through runtime/runner.mjs)."""

from __future__ import annotations

import time
from typing import Callable, TypeVar

import pytest

T = TypeVar("T")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.e2e)


def eventually(probe: Callable[[], T], timeout: float = 30.0, interval: float = 0.05) -> T:
    """Polls ``probe`` until it returns a truthy value (returned) or ``timeout`` passes (AssertionError).

    Not a timing assertion: the timeout only bounds how long a broken runtime can hang the suite.
    """
    deadline = time.monotonic() + timeout
    last: T = probe()
    while not last:
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s; last value: {last!r}")
        time.sleep(interval)
        last = probe()
    return last


@pytest.fixture(name="eventually")
def eventually_fixture() -> Callable[..., object]:
    return eventually
