"""Shared helpers for the compiler tests: the repo paths and the pinned Node 22."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest  # noqa: F401  (fixtures below are registered by conftest.py)

ROOT = Path(__file__).resolve().parents[2]
NODE_BIN = ROOT / "runtime" / "node_modules" / ".bin"
SEED = ROOT / "examples" / "pipeline" / "pipeline.tova"
SHARED_SEED = ROOT.parent / "shared" / "fixtures" / "pipeline.tova"


def node_env() -> dict:
    env = dict(os.environ)
    # wrangler and miniflare need Node 22, which the pinned `node` package provides
    env["PATH"] = f"{NODE_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["WRANGLER_SEND_METRICS"] = "false"
    env["CI"] = "true"
    return env


@pytest.fixture(scope="session")
def node() -> str:
    path = NODE_BIN / "node"
    assert path.exists(), "runtime/node_modules is missing: bin/test installs it (python -m console.targets.local.installer)"
    return str(path)


def run_node_module(node: str, code: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [node, "--input-type=module"], input=code, capture_output=True, text=True, timeout=timeout, env=node_env()
    )
