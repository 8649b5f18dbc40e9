"""Only the Cloudflare target talks to the Cloudflare SDK, and only when it is used (the SDK is slow to
import; `tova status` on the local target must not pay for it)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_sdk_is_imported_only_under_console_targets_cloudflare():
    offenders = []
    for folder in ("console", "compiler"):
        for path in (ROOT / folder).rglob("*.py"):
            if (ROOT / "console" / "targets" / "cloudflare") in path.parents:
                continue
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                    [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else [])
                offenders += [f"{path.relative_to(ROOT)} imports {n}" for n in names if n.split(".")[0] == "cloudflare"]
    assert offenders == []


def test_importing_the_target_does_not_import_the_sdk():
    code = "import sys, console.targets.cloudflare.target, console.commands.deploy; print('cloudflare' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
