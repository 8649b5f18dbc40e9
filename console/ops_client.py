"""Calls to one worker's ops surface (docs/contracts.md §3): health without auth, ``/__tova/*`` with
``Authorization: Bearer <TOVA_ADMIN_TOKEN>``.

The token is attached per request and never appears in an error message, a repr or a log line; errors
say which worker and route failed and why in words an on-call engineer can act on.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx


REPLAY_REQUEST_BUDGET_S = 25.0  # the worker's own cap on one replay request (compiler/js/60_admin.js)
# An answer larger than this is refused while it streams in: a misbehaving endpoint (a 10 MB stats
# body) must not balloon a console left open for a shift. A dead-letter page of 200 full queue
# messages (128 KB each) fits under the larger cap.
MAX_ANSWER_BYTES = 2 * 1024 * 1024
MAX_PAGE_BYTES = 32 * 1024 * 1024
MAX_REPLAY_RATE = 1000.0  # messages per second the replay route accepts


class OpsError(Exception):
    """A call to the ops surface failed; ``status`` is the HTTP status when there was an answer."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def redact(text: str, secrets: list[str]) -> str:
    """``text`` with every secret value masked: a worker that echoes a header back in its error body
    must not put the key on the screen."""
    for value in sorted((v for v in secrets if v and len(v) >= 4), key=len, reverse=True):
        text = text.replace(value, "•••")
    return text


def describe_transport_error(exc: httpx.HTTPError) -> str:
    """A short reason for a failed request, without headers (which may hold a token)."""
    if isinstance(exc, httpx.ConnectError):
        return "connection refused" if "refused" in str(exc).lower() else f"cannot connect ({exc})"
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__})"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class OpsClient:
    def __init__(self, http: httpx.AsyncClient, block: str, base_url: str, token: str | None, prefix: str = "/__tova") -> None:
        self.http = http
        self.block = block
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.prefix = prefix.rstrip("/")

    def __repr__(self) -> str:  # never show the token
        return f"OpsClient({self.block!r}, {self.base_url!r})"

    async def request(
        self, method: str, path: str, *, admin: bool = True, json_body: Any = None, params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None, ok_statuses: tuple[int, ...] = (200,), timeout: float | None = None,
        max_bytes: int = MAX_ANSWER_BYTES,
    ) -> tuple[int, Any]:
        """One request; returns (status, parsed JSON). Raises OpsError for transport errors, non-JSON
        bodies, answers over ``max_bytes`` and statuses outside ``ok_statuses``; its message never holds
        the token or a header value."""
        try:
            return await self._request(method, path, admin=admin, json_body=json_body, params=params,
                                       headers=headers, ok_statuses=ok_statuses, timeout=timeout, max_bytes=max_bytes)
        except OpsError as exc:
            secrets = [self._token or "", *(headers or {}).values()]
            raise OpsError(redact(str(exc), secrets), exc.status) from None

    async def _request(
        self, method: str, path: str, *, admin: bool, json_body: Any, params: dict[str, Any] | None,
        headers: dict[str, str] | None, ok_statuses: tuple[int, ...], timeout: float | None, max_bytes: int,
    ) -> tuple[int, Any]:
        all_headers = dict(headers or {})
        if admin:
            if not self._token:
                raise OpsError(f"{self.block}: no admin token (TOVA_ADMIN_TOKEN) is known for this target")
            all_headers["Authorization"] = f"Bearer {self._token}"
        where = f"{self.block} {method} {path}"
        request = self.http.build_request(
            method, self.base_url + path, headers=all_headers, json=json_body,
            params={k: v for k, v in (params or {}).items() if v is not None},
            **({"timeout": httpx.Timeout(timeout, connect=min(timeout, 5.0))} if timeout else {}),
        )
        try:
            response = await self.http.send(request, stream=True)
            try:
                content = bytearray()
                async for chunk in response.aiter_bytes():
                    content += chunk
                    if len(content) > max_bytes:
                        raise OpsError(f"{where}: answer too large (over {max_bytes // (1024 * 1024)} MB), not read", response.status_code)
            finally:
                await response.aclose()
        except httpx.HTTPError as exc:
            raise OpsError(f"{where}: {describe_transport_error(exc)}") from None
        try:
            body = json.loads(content) if content else None
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
            if response.status_code in ok_statuses:
                text = bytes(content[:120]).decode("utf-8", "replace")
                raise OpsError(f"{where}: answer is not JSON: {text!r}", response.status_code)
        if response.status_code not in ok_statuses:
            raise OpsError(f"{where}: {self._explain(response.status_code, body, admin)}", response.status_code)
        return response.status_code, body

    def _explain(self, status: int, body: Any, admin: bool) -> str:
        detail = body.get("error") if isinstance(body, dict) else None
        if admin and status == 404 and detail == "not found":
            return "404: the ops routes are off here (the worker has no TOVA_ADMIN_TOKEN secret) or the route is unknown"
        if admin and status == 401:
            return "401: the worker refused the admin token (TOVA_ADMIN_TOKEN differs from the target's)"
        return f"HTTP {status}" + (f": {detail}" if detail else "")

    def _ops(self, path: str) -> str:
        return self.prefix + path

    async def health(self, path: str) -> tuple[int, Any]:
        # 503 is a valid health answer: the body says which check is down
        return await self.request("GET", path, admin=False, ok_statuses=(200, 503))

    async def info(self) -> dict[str, Any]:
        return (await self.request("GET", self._ops("/info")))[1]

    async def queues(self) -> dict[str, Any]:
        return (await self.request("GET", self._ops("/queues")))[1]

    async def dead_letters(self, queue: str | None = None, limit: int = 50, cursor: str | None = None,
                           arriving: bool = False) -> dict[str, Any]:
        """A page of the store; ``arriving`` adds what was given up on and is not stored yet."""
        params = {"queue": queue, "limit": limit, "cursor": cursor, "arriving": "1" if arriving else None}
        return (await self.request("GET", self._ops("/dlq"), params=params, max_bytes=MAX_PAGE_BYTES))[1]

    async def dead_letter(self, message_id: str) -> dict[str, Any] | None:
        status, body = await self.request("GET", self._ops(f"/dlq/{quote(message_id, safe='')}"), ok_statuses=(200, 404))
        return body if status == 200 else None

    async def replay(self, *, ids: list[str] | None = None, all: bool = False, queue: str | None = None,
                     rate: float | None = None, max: int | None = None, before: float | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"ids": ids} if ids is not None else {"all": True}
        if all and queue:
            body["queue"] = queue
        if before is not None:
            body["before"] = before  # the pass's start, as the worker gave it: what died later waits
        if rate is not None:
            body["rate"] = rate
        if max is not None:
            body["max"] = max
        # the worker paces sends at `rate` and stops a request after about 25 s: wait that long, not the
        # poll timeout, or a healthy replay would look like a failure
        count = len(ids) if ids is not None else max
        expected = count / (rate or 50) if count is not None else REPLAY_REQUEST_BUDGET_S
        timeout = min(expected, REPLAY_REQUEST_BUDGET_S) + 15.0
        return (await self.request("POST", self._ops("/dlq/replay"), json_body=body, timeout=timeout))[1]

    async def delete(self, *, ids: list[str] | None = None, all: bool = False, queue: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"ids": ids} if ids is not None else {"all": True}
        if all and queue:
            body["queue"] = queue
        return (await self.request("POST", self._ops("/dlq/delete"), json_body=body))[1]

    async def crons(self) -> dict[str, Any]:
        return (await self.request("GET", self._ops("/crons")))[1]

    async def run_cron(self, name: str) -> dict[str, Any]:
        return (await self.request("POST", self._ops(f"/cron/{quote(name, safe='')}")))[1]
