"""Running a deploy the way `tova deploy --yes` does, against the fake, with the SDK's retries off."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from console.targets.cloudflare.client import credentials_from_env, sync_client
from console.targets.cloudflare.deploy import Deployer, Plan, load_manifest
from console.targets.cloudflare.state import DeployState, state_path


def deployer(project: Any, env: dict[str, str], progress=None) -> Deployer:
    creds = credentials_from_env(env)
    manifest = load_manifest(project.manifest_path)
    state = DeployState.load(state_path(project.root, creds.account_id), manifest["project"], creds.account_id)
    client = sync_client(creds, max_retries=0)
    return Deployer(manifest, Path(project.manifest_path).parent, state, creds, client,
                    progress or (lambda _: None), env)


def deploy(project: Any, env: dict[str, str], progress=None) -> tuple[Plan, Deployer]:
    d = deployer(project, env, progress)
    plan = d.survey()
    if not plan.empty:
        d.apply(plan)
    return plan, d
