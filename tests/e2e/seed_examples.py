"""What the seed examples' e2e tests share: a copy of the example running on workerd, its API client
(with the generated API_KEY) and an ops client (TOVA_ADMIN_TOKEN) on the worker holding its DLQ store."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path
from typing import Iterator, Mapping

import httpx

from compiler.driver import build
from console.targets.local.runtime import LocalRuntime

ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def running_example(name: str, folder: Path, vars: Mapping[str, str] | None = None) -> Iterator[LocalRuntime]:
    root = folder / name
    shutil.copytree(ROOT / "examples" / name, root, ignore=shutil.ignore_patterns(".tova-out", ".dev.vars"))
    rt = LocalRuntime(build(root / f"{name}.tova").manifest_path, secrets_path=root / ".dev.vars", vars=vars)
    rt.start()
    try:
        rt.wait_healthy()
        yield rt
    finally:
        rt.stop()


def api_client(rt: LocalRuntime) -> httpx.Client:
    return httpx.Client(base_url=rt.urls["api"], timeout=30, headers={"X-API-Key": rt.secret("API_KEY")})


def ops_client(rt: LocalRuntime, worker: str) -> httpx.Client:
    return httpx.Client(base_url=rt.urls[worker], timeout=60,
                        headers={"Authorization": f"Bearer {rt.secret('TOVA_ADMIN_TOKEN')}"})
