import os
import time

import pytest


@pytest.fixture(autouse=True)
def utc_and_no_user_config(monkeypatch, tmp_path):
    # Clock cells are local time: pin the zone so snapshots match anywhere; ignore the user's own
    # console config and themes so a developer's keymap cannot change what the tests see.
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("TOVA_CONSOLE_CONFIG", raising=False)
    yield
    time.tzset()
