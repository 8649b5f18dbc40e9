"""``tova deploy FILE.tova [--yes | --plan] [--prune]``: build, show the plan, ask, then create and update on
Cloudflare; with ``--prune`` also delete what earlier deploys made that the program no longer declares.

Credentials come from CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID (never from flags, which land in
shell history). Without a terminal to ask on, it refuses unless ``--yes`` says the plan is accepted.
Deletions are asked about on their own, each named, after the plan: a "yes" to the plan is not a "yes"
to losing a database.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Callable, TextIO


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "deploy", help="build and deploy to Cloudflare (resources, workers, consumers, crons, secrets)",
        description="Build FILE, compare it with the Cloudflare account in CLOUDFLARE_ACCOUNT_ID, show what "
        "would be created or updated, and after confirmation make exactly that. A second deploy with "
        "nothing changed changes nothing.",
    )
    parser.add_argument("file", metavar="FILE", help="the .tova program")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--yes", "-y", action="store_true", help="accept the plan without asking (scripts, CI)")
    mode.add_argument("--plan", action="store_true",
                      help="only show what a deploy would create or update, change nothing (exit 0)")
    parser.add_argument("--prune", action="store_true",
                        help="also delete what earlier deploys of this program made and it no longer declares "
                        "(workers, consumers, queues, KV, D1, R2), each named and confirmed; never by default")
    parser.add_argument("--out", metavar="DIR", help="build folder (default: .tova-out beside FILE)")
    parser.set_defaults(run=run)


def _err(message: str) -> None:
    print(f"tova: {message}", file=sys.stderr, flush=True)


def confirm(question: str, stdin: TextIO, stderr: TextIO) -> bool | None:
    """True/False from the person at the terminal; None when there is no terminal to ask on."""
    if stdin is None or stdin.closed or not stdin.isatty():
        return None
    stderr.write(f"{question} [y/N] ")
    stderr.flush()
    answer = stdin.readline()
    return answer.strip().lower() in ("y", "yes")


def run(args: argparse.Namespace, *, stdin: TextIO | None = None,
        ask: Callable[[str], bool | None] | None = None) -> int:
    from console.targets.cloudflare.client import CloudflareError, credentials_from_env, sync_client
    from console.targets.cloudflare.deploy import Deployer, DeployError
    from console.targets.cloudflare.state import DeployState, StateError, deploy_lock, state_path

    source = Path(args.file)
    if not source.is_file():
        _err(f"{source}: no such file")
        return 1
    try:
        creds = credentials_from_env()
    except CloudflareError as exc:
        _err(str(exc))
        return 1

    from compiler.diagnostics import CompileError
    from compiler.driver import build

    try:
        result = build(source, args.out)
    except CompileError as exc:
        print(exc.render(), file=sys.stderr)
        return 1

    def progress(message: str) -> None:
        print(f"==> {message}", file=sys.stderr, flush=True)

    manifest = result.manifest
    path = state_path(source.resolve().parent, manifest["project"], creds.account_id)
    applying = False
    try:
        # held from the survey to the end, so the plan a person accepted cannot go stale under another deploy
        with deploy_lock(path):
            state = DeployState.load(path, manifest["project"], creds.account_id)
            deployer = Deployer(manifest, Path(result.manifest_path).parent, state, creds, sync_client(creds),
                                progress, os.environ)
            plan = deployer.survey(prune=args.prune)
            print(plan.render(), flush=True)
            if plan.empty or args.plan:
                return 0

            def accepted(question: str) -> bool:
                asked = ask(question) if ask else confirm(question, stdin or sys.stdin, sys.stderr)
                if asked is None:
                    _err("not deploying: there is no terminal to confirm the plan on; pass --yes to accept it")
                elif not asked:
                    _err("not deploying: the plan was not accepted")
                return bool(asked)

            if not args.yes and not accepted("Deploy?"):
                return 1
            if plan.prune and plan.orphans and not args.yes:
                doomed = "; ".join(f"{c.kind} {c.name}" for c in plan.orphans)
                if not accepted(f"Delete {len(plan.orphans)} (data in them is lost): {doomed}?"):
                    return 1
            applying = True
            summary = deployer.apply(plan)
    except (CloudflareError, DeployError, StateError) as exc:
        _err(str(exc))
        if applying:
            _err("what was made so far is recorded in the deploy state; run `tova deploy` again to finish")
        return 1
    print(f"deployed {summary}", flush=True)
    for block, url in sorted(state.urls.items()):
        print(f"  {block:<12} {url}")
    return 0
