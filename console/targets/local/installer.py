"""Installs the pinned npm side (workerd via miniflare, wrangler, and Node 22 itself) on first use.

The versions live in ``runtime/package.json`` and its lock file; ``npm ci`` installs exactly those. A
stamp holding the lock file's hash makes later calls free, and a changed lock reinstalls.
Run as ``python -m console.targets.local.installer`` (bin/test and .ci/run do).

Miniflare and wrangler require Node 22, which the machine's npm (often on an older Node) would warn
about once per package (`EBADENGINE`). So the pinned Node comes first, alone, into a bootstrap folder,
and `npm ci` then runs under it: the engines match and the install is quiet. The packages with
install scripts (each fetching its own platform binary) are approved by version in package.json's
`allowScripts`, which npm 12 will require.
"""

from __future__ import annotations

import hashlib
import json
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
    npm_command = _npm_under_pinned_node(paths, npm, say)
    _run_npm(npm_command + ["ci", "--no-audit", "--no-fund", "--loglevel=http", "--foreground-scripts"], paths.root, say)
    shutil.rmtree(_bootstrap_dir(paths), ignore_errors=True)
    paths.stamp.write_text(paths.lock_hash() + "\n")
    say("local runtime ready")
    return paths


def _bootstrap_dir(paths: RuntimePaths) -> Path:
    return paths.root / ".node-bootstrap"


def _npm_under_pinned_node(paths: RuntimePaths, npm: str, say: Callable[[str], None]) -> list[str]:
    """The command that runs this machine's npm on the pinned Node (fetched first if need be); plain
    npm when its script cannot be found (a packaging of npm without npm-cli.js)."""
    script = Path(shutil.which("npm") or npm).resolve()
    if script.name != "npm-cli.js":
        return [npm]
    manifest = json.loads((paths.root / "package.json").read_text())
    version = manifest["dependencies"]["node"]
    bootstrap = _bootstrap_dir(paths)
    node = bootstrap / "node_modules" / ".bin" / "node"
    if not node.exists():
        say(f"fetching node {version} first, so npm runs on the engine the packages ask for")
        bootstrap.mkdir(parents=True, exist_ok=True)
        (bootstrap / "package.json").write_text(json.dumps({
            "name": "tova-node-bootstrap", "private": True, "dependencies": {"node": version},
            "allowScripts": {f"node@{version}": True},
        }))
        _run_npm([npm, "install", "--no-package-lock", "--no-audit", "--no-fund", "--loglevel=http", "--foreground-scripts"], bootstrap, say)
    return [str(node), str(script)]


def _run_npm(command: list[str], cwd: Path, say: Callable[[str], None]) -> None:
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
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
            "npm failed in {}:\n{}".format(cwd, "\n".join(tail) or "(no output)")
        )


def main() -> int:
    try:
        ensure_runtime()
    except RuntimeInstallError as error:
        print(f"tova: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
