"""What a target (where the workers run) gives the console: URLs, secrets, and its own sources.

``local`` starts workerd through the project's runner; ``cloudflare`` reads the deploy state and talks to
the account's API. Everything else (health, stats, dead letters, crons through the ops routes) is the
same code on both, built by the session from ``worker_urls`` and ``secret``.
"""

from __future__ import annotations

from typing import Callable, Protocol

import httpx

from console.sources.base import Source

Progress = Callable[[str], None]


class Target(Protocol):
    name: str  # "local" or "cloudflare"

    async def start(self, progress: Progress) -> None:
        """Make the workers reachable (local: install and start the runtime). Raises with a clear message."""

    async def stop(self) -> None: ...

    def worker_urls(self) -> dict[str, str]:
        """Base URL by block name, e.g. {"api": "http://127.0.0.1:8787"}."""

    def secret(self, name: str) -> str | None:
        """A secret's value for the console's own requests (TOVA_ADMIN_TOKEN, API_KEY for stats)."""

    def sources(self, http: httpx.AsyncClient) -> list[Source]:
        """Sources only this target has (local: memory from the inspector, logs; cloudflare: queue
        metrics API, GraphQL analytics)."""
