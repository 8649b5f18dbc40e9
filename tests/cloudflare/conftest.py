"""Fixtures for the Cloudflare target: the fake API on loopback, credentials pointing at it, and a
built project (see cf_fixtures)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from cf_fixtures import ACCOUNT, TOKEN, write_project
from fake_api import FakeCloudflare


@pytest.fixture
def fake():
    server = FakeCloudflare(TOKEN, ACCOUNT).start()
    yield server
    server.stop()


@pytest.fixture
def env(fake, monkeypatch) -> dict[str, str]:
    values = {"CLOUDFLARE_API_TOKEN": TOKEN, "CLOUDFLARE_ACCOUNT_ID": ACCOUNT, "CLOUDFLARE_BASE_URL": fake.base_url}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("API_KEY", raising=False)
    return values


@pytest.fixture
def project(tmp_path) -> SimpleNamespace:
    return write_project(tmp_path)
