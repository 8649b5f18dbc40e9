"""`tova deploy` on Cloudflare: survey the account, show the plan, then make only what differs.

Two phases so nothing is created (or, with ``--prune``, deleted) before a person has seen what will be:

- ``Deployer.survey()`` (survey.py) reads lists of KV namespaces, D1 databases, R2 buckets, queues,
  scripts, consumers, schedules, secrets and workers.dev flags, compares them with the program
  (program.py) and the deploy state (state.py), and returns a ``Plan`` (plan.py); it changes nothing.
- ``Deployer.apply(plan)`` (provision.py) makes the changes in dependency order and saves the state
  after every step, so a deploy that fails midway is finished by the next one.

"Nothing changed" is decided by comparing: scripts by a hash of module and metadata plus the remote
etag, secrets by a hash of their value plus the remote list, consumers and crons by their settings.
A second deploy with nothing changed therefore makes reads only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from console.targets.cloudflare.client import CloudflareError
from console.targets.cloudflare.plan import Change, Plan, consumer_settings
from console.targets.cloudflare.program import DeployError, kv_title
from console.targets.cloudflare.provision import Provision


class Deployer(Provision):
    """One deploy of one built project: ``survey()`` then, once accepted, ``apply(plan)``."""


def load_manifest(path: Path) -> dict[str, Any]:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DeployError(f"{path}: cannot read the manifest ({exc})") from None


__all__ = ["CloudflareError", "Change", "Deployer", "DeployError", "Plan", "consumer_settings", "kv_title",
           "load_manifest"]
