"""The Cloudflare API as this target uses it: the official SDK, credentials from the environment, and
errors turned into one kind of exception whose message a person can act on.

Every call goes through ``call``/``acall`` with the SDK's ``with_raw_response`` methods, so the JSON
envelope is seen whole: the SDK hands back ``None`` with no exception when a body says
``success: false`` on HTTP 200, and only the envelope says why. Messages never carry the API token; as
a last guard each one is scrubbed of it before it leaves this module.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Mapping

import httpx

ENV_TOKEN = "CLOUDFLARE_API_TOKEN"
ENV_ACCOUNT = "CLOUDFLARE_ACCOUNT_ID"
ENV_BASE_URL = "CLOUDFLARE_BASE_URL"  # the SDK reads it too; tests point it at the fake API
DEFAULT_BASE_URL = "https://api.cloudflare.com/client/v4"


class CloudflareError(Exception):
    """A Cloudflare call failed; the message names the call and the API's reason, never the token."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class CredentialsMissing(CloudflareError):
    pass


class RateLimited(CloudflareError):
    """HTTP 429. ``retry_after`` is the API's ``Retry-After`` in seconds, when it sent one."""

    def __init__(self, message: str, *, retry_after: float | None) -> None:
        super().__init__(message, status=429)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Credentials:
    token: str = field(repr=False)
    account_id: str
    base_url: str = DEFAULT_BASE_URL

    @property
    def account_short(self) -> str:
        """The account for a header line: enough to tell accounts apart, short enough to read."""
        a = self.account_id
        return a if len(a) <= 8 else f"{a[:4]}…{a[-2:]}"

    def scrub(self, text: str) -> str:
        return text.replace(self.token, "[token]") if self.token else text


def credentials_from_env(env: Mapping[str, str] | None = None) -> Credentials:
    env = os.environ if env is None else env
    token = (env.get(ENV_TOKEN) or "").strip()
    account = (env.get(ENV_ACCOUNT) or "").strip()
    missing = [name for name, value in ((ENV_TOKEN, token), (ENV_ACCOUNT, account)) if not value]
    if missing:
        raise CredentialsMissing(
            f"Cloudflare credentials missing: set {' and '.join(missing)} in the environment "
            "(the same variables wrangler reads; see the README section 'Cloudflare API token')"
        )
    base_url = (env.get(ENV_BASE_URL) or "").strip() or DEFAULT_BASE_URL
    return Credentials(token=token, account_id=account, base_url=base_url.rstrip("/"))


def sync_client(creds: Credentials, *, max_retries: int = 2, timeout: float = 30.0) -> Any:
    from cloudflare import Cloudflare  # the SDK is slow to import; only a Cloudflare session pays for it

    return Cloudflare(api_token=creds.token, base_url=creds.base_url, max_retries=max_retries, timeout=timeout)


def async_client(creds: Credentials, *, max_retries: int = 0, timeout: float = 10.0) -> Any:
    from cloudflare import AsyncCloudflare

    return AsyncCloudflare(api_token=creds.token, base_url=creds.base_url, max_retries=max_retries, timeout=timeout)


@dataclass(frozen=True)
class Reply:
    """A successful envelope: ``result`` and ``result_info`` (paging) as plain JSON."""

    result: Any
    result_info: Mapping[str, Any]


def _api_errors(body: Any) -> str:
    if not isinstance(body, dict):
        return ""
    parts = []
    for item in body.get("errors") or []:
        if isinstance(item, dict):
            code, message = item.get("code"), item.get("message") or ""
            parts.append(f"{message} (code {code})" if code is not None else message)
        else:
            parts.append(str(item))
    return "; ".join(p for p in parts if p)


def retry_after_seconds(headers: httpx.Headers | Mapping[str, str]) -> float | None:
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime
        import time

        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def status_error(creds: Credentials, what: str, status: int, body: Any, headers: httpx.Headers | Mapping[str, str]) -> CloudflareError:
    """The error for an HTTP failure, worded for the person who has to fix it."""
    reason = _api_errors(body)
    detail = f": {reason}" if reason else ""
    if status == 401:
        message = f"{what}: Cloudflare did not accept the API token (401){detail}. Check {ENV_TOKEN}."
    elif status == 403:
        message = (
            f"{what}: the API token lacks permission for this (403){detail}. Give the token the permissions "
            "listed in the README ('Cloudflare API token') for this account, or check "
            f"{ENV_ACCOUNT} names the account the token belongs to."
        )
    elif status == 429:
        wait = retry_after_seconds(headers)
        when = f"; retry after {wait:.0f}s" if wait is not None else ""
        return RateLimited(
            creds.scrub(f"{what}: rate limited by the Cloudflare API (429){when}. The account allows about "
                        "1,200 requests per 5 minutes."),
            retry_after=wait,
        )
    elif status == 404:
        message = f"{what}: not found (404){detail}"
    elif status >= 500:
        message = f"{what}: Cloudflare answered {status} (a problem on their side; try again){detail}"
    else:
        message = f"{what}: Cloudflare refused the request ({status}){detail}"
    return CloudflareError(creds.scrub(message), status=status)


def _translate(creds: Credentials, what: str, exc: Exception) -> CloudflareError:
    import cloudflare

    if isinstance(exc, cloudflare.APIStatusError):
        return status_error(creds, what, exc.status_code, exc.body, exc.response.headers)
    if isinstance(exc, cloudflare.APITimeoutError):
        return CloudflareError(f"{what}: timed out talking to {creds.base_url}")
    if isinstance(exc, cloudflare.APIConnectionError):
        return CloudflareError(f"{what}: cannot reach {creds.base_url} ({type(exc.__cause__ or exc).__name__})")
    if isinstance(exc, cloudflare.APIResponseValidationError):
        return CloudflareError(f"{what}: Cloudflare sent an answer this SDK cannot read")
    return CloudflareError(creds.scrub(f"{what}: {type(exc).__name__}: {exc}"))


def _envelope(creds: Credentials, what: str, body: Any) -> Reply:
    if not isinstance(body, dict):
        raise CloudflareError(f"{what}: Cloudflare sent something that is not a JSON envelope")
    if body.get("success") is False:
        reason = _api_errors(body) or "no reason given"
        raise CloudflareError(creds.scrub(f"{what}: Cloudflare answered success: false: {reason}"))
    return Reply(result=body.get("result"), result_info=body.get("result_info") or {})


def call(creds: Credentials, what: str, method: Callable[..., Any], /, **kwargs: Any) -> Reply:
    """Run one SDK ``with_raw_response`` method; ``what`` names it for the error ("create queue jobs")."""
    import cloudflare

    try:
        raw = method(**kwargs)
        body = raw.json()
    except cloudflare.CloudflareError as exc:
        raise _translate(creds, what, exc) from None
    except ValueError:
        raise CloudflareError(f"{what}: Cloudflare sent an answer that is not JSON") from None
    return _envelope(creds, what, body)


async def acall(creds: Credentials, what: str, method: Callable[..., Awaitable[Any]], /, **kwargs: Any) -> Reply:
    import cloudflare

    try:
        raw = await method(**kwargs)
        body = await raw.json()
    except cloudflare.CloudflareError as exc:
        raise _translate(creds, what, exc) from None
    except ValueError:
        raise CloudflareError(f"{what}: Cloudflare sent an answer that is not JSON") from None
    return _envelope(creds, what, body)


def has_more_pages(info: Mapping[str, Any]) -> bool:
    """wrangler's rule (workers-utils ``hasMorePages``): another page exists only when the answer says
    so with ``page * per_page < total_count``. The page size is the one the API answered with, not the
    one asked for: the API caps ``per_page`` and a short page is not the last one when it does. An
    answer without those fields is one page, so an endpoint that ignores ``page`` is read once."""
    try:
        page, per_page, total = int(info["page"]), int(info["per_page"]), int(info["total_count"])
    except (KeyError, TypeError, ValueError):
        return False
    return per_page > 0 and page * per_page < total


def list_all(creds: Credentials, what: str, method: Callable[..., Any], /, per_page: int | None = 100,
             **kwargs: Any) -> list[Any]:
    """Every item of a page-numbered list (KV namespaces, D1 databases, queues, scripts, consumers,
    secrets). ``per_page=None`` for endpoints that take only ``page`` (queues, as wrangler asks them)."""
    import inspect

    declared = inspect.signature(method).parameters
    items: list[Any] = []
    page = 1
    while True:
        paging = {"page": page} | ({} if per_page is None else {"per_page": per_page})
        if "page" in declared:
            reply = call(creds, what, method, **paging, **kwargs)
        else:
            # the SDK types this list as one page; the API still pages it, so ask as wrangler does
            reply = call(creds, what, method, extra_query=paging, **kwargs)
        batch = reply.result or []
        if not isinstance(batch, list):
            raise CloudflareError(f"{what}: Cloudflare answered with something that is not a list")
        items.extend(batch)
        if not batch or not has_more_pages(reply.result_info):
            return items
        page += 1
        if page > 10_000:  # a server that always says "more" must not hang a deploy
            raise CloudflareError(f"{what}: Cloudflare kept announcing more pages past 10,000")
