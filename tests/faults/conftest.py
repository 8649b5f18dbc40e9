"""The fault matrix (docs/reliability.md): each test breaks something on purpose (two replays at once,
a replaying process killed, letters that keep failing) and fails if a promise breaks."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/faults/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.faults)
            item.add_marker(pytest.mark.e2e)
