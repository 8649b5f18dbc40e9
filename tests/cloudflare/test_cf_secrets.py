"""The API token never shows: not in progress lines, logs (even at debug), the state file, plans or
the errors a person sees."""

from __future__ import annotations

import logging

import httpx
import pytest

from cf_fixtures import TOKEN
from cf_helpers import deploy
from console.targets.cloudflare.client import CloudflareError
from console.targets.cloudflare.state import state_path
from console.targets.cloudflare.target import CloudflareTarget
from console.targets.cloudflare.throttle import SourceError


async def test_the_token_appears_nowhere_a_person_or_a_file_could_see_it(fake, env, project, caplog):
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []

    fake.fail("PUT", r"/accounts/\w+/workers/scripts/pipeline-api", 500, message=f"echo {TOKEN}")
    with pytest.raises(CloudflareError) as failed:
        deploy(project, env, seen.append)
    seen.append(str(failed.value))
    plan, _ = deploy(project, env, seen.append)
    seen.append(plan.render())

    fake.fail("GET", r"/accounts/\w+/queues/\w+/metrics", 429, headers={"Retry-After": "5"})
    fake.graphql_errors = [{"message": f"bad token {TOKEN}"}]
    target = CloudflareTarget(project, env=env, live_logs=False)  # tails: test_cf_tail
    await target.start(seen.append)
    seen.append(target.label())
    async with httpx.AsyncClient() as http:
        # analytics first: after the 429 every source of the target waits, without asking
        for source in sorted(target.sources(http), key=lambda s: s.name == "cloudflare:queues"):
            with pytest.raises(SourceError) as error:
                await source.poll()
            seen.append(str(error.value))
    await target.stop()

    assert "[token]" in str(failed.value)  # an API that echoes the token back gets it scrubbed
    for text in seen + [caplog.text, state_path(project.root, "pipeline", env["CLOUDFLARE_ACCOUNT_ID"]).read_text()]:
        assert TOKEN not in text
    assert any("rate limited" in s for s in seen) and any("GraphQL" in s for s in seen)
