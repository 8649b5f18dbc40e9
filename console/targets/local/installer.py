"""Installs the pinned npm side (workerd via miniflare, wrangler, and Node 22 itself) on first use.

The versions live in ``runtime/package.json`` and its lock file; ``npm ci`` installs exactly those. A
stamp holding the lock file's hash makes later calls free, and a changed lock reinstalls.
Run as ``python -m console.targets.local.installer`` (bin/test and .ci/run do).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

RUNTIME_DIR = Path(__file__).resolve().parents[3] / "runtime"
MIN_NODE_MAJOR = 18  # only to run npm; the runtime itself runs on the pinned Node 22 from the lock


class RuntimeInstallError(Exception):
    """The npm side cannot be installed; the message says what to do."""


@dataclass(frozen=True)
class RuntimePaths:
    root: Path

    @property
    def node_modules(self) -> Path:
        return self.root / "node_modules"

    @property
    def node(self) -> Path:
        return self.node_modules / ".bin" / "node"

    @property
    def wrangler(self) -> Path:
        return self.node_modules / ".bin" / "wrangler"

    @property
    def stamp(self) -> Path:
        return self.node_modules / ".tova-stamp"

    def lock_hash(self) -> str:
        return hashlib.sha256((self.root / "package-lock.json").read_bytes()).hexdigest()[:16]

    def is_installed(self) -> bool:
        return self.stamp.is_file() and self.stamp.read_text().strip() == self.lock_hash() and self.node.exists()


def _check_node_and_npm() -> str:
    npm = shutil.which("npm")
    node = shutil.which("node")
    if node is None or npm is None:
        missing = " and ".join(name for name, path in (("node", node), ("npm", npm)) if path is None)
        raise RuntimeInstallError(
            f"{missing} not found on PATH. The local runtime needs Node.js {MIN_NODE_MAJOR}+ with npm "
            "(for example `apt-get install nodejs npm`, or https://nodejs.org), then run the command again."
        )
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    try:
        major = int(version.lstrip("v").split(".")[0])
    except ValueError:
        major = 0
    if major < MIN_NODE_MAJOR:
        raise RuntimeInstallError(
            f"node {version or '(unknown version)'} is too old: install Node.js {MIN_NODE_MAJOR} or newer."
        )
    return npm


def ensure_runtime(
    paths: RuntimePaths | None = None, progress: Callable[[str], None] | None = None
) -> RuntimePaths:
    """Makes sure the pinned npm packages are installed; reports each npm line through ``progress``."""
    paths = paths or RuntimePaths(RUNTIME_DIR)
    if paths.is_installed():
        return paths
    say = progress or (lambda line: print(f"==> {line}", file=sys.stderr, flush=True))
    npm = _check_node_and_npm()
    say(f"installing the local runtime (workerd, miniflare, wrangler, node 22) into {paths.node_modules}")
    say("one-time download of about 210 MB; later runs reuse it")
    process = subprocess.Popen(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=http", "--foreground-scripts"],
        cwd=paths.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    tail: list[str] = []
    fetched = 0
    for line in process.stdout:
        line = line.rstrip()
        if "http fetch" in line:
            fetched += 1
            if fetched % 5 == 0:
                say(f"fetched {fetched} packages")
            continue
        if line and "Unknown user config" not in line:
            tail = (tail + [line])[-20:]
            say(f"npm: {line}")
    if process.wait() != 0:
        raise RuntimeInstallError(
            "npm ci failed in {}:\n{}".format(paths.root, "\n".join(tail) or "(no output)")
        )
    paths.stamp.write_text(paths.lock_hash() + "\n")
    say("local runtime ready")
    return paths


def main() -> int:
    try:
        ensure_runtime()
    except RuntimeInstallError as error:
        print(f"tova: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
