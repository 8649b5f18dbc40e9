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


def compile_snippet(text: str) -> str:
    """JavaScript for top-level Tova code (types, functions, constants), without a worker around it."""
    from compiler.driver import on_deep_stack

    return on_deep_stack(_compile_snippet, text)


def _compile_snippet(text: str) -> str:
    from compiler.codegen.worker import WorkerEmitter
    from compiler.diagnostics import CompileError, Reporter
    from compiler.parser import parse
    from compiler.resolve.checks import check
    from compiler.source import Source

    source = Source(text + '\nedge "t" {\n}\n', "snippet.tova")
    reporter = Reporter(source)
    program = parse(source, reporter)
    if not reporter.failed:
        model = check(program, reporter, "snippet")
    if reporter.failed:
        raise CompileError(reporter.diagnostics)
    return WorkerEmitter(model, "snippet.tova").shared_code()


def builtins_js() -> str:
    """The whole runtime, as a worker inlines it: builtins, operators, stdlib, security helpers."""
    from compiler.codegen.worker import runtime_source

    return runtime_source()


def run_snippets(node: str, cases: dict[str, str]) -> dict:
    """Compile each snippet (which defines `fn main()`), run them all in one node process, and return
    {name: {"value": JSON of await main()} | {"error": message}}."""
    import json

    from compiler.diagnostics import CompileError

    blocks = []
    compile_errors = {}
    for name, text in cases.items():
        try:
            js = compile_snippet(text)
        except CompileError as error:
            compile_errors[name] = {"error": error.render()}
            continue
        blocks.append(
            "{\n" + js + "\n"
            f"  try {{ __results[{json.dumps(name)}] = {{ value: await main() }}; }}\n"
            f"  catch (e) {{ __results[{json.dumps(name)}] = {{ error: String(e && e.stack || e) }}; }}\n"
            "}"
        )
    program = builtins_js() + "\nconst __results = {};\n" + "\n".join(blocks) + "\nprocess.stdout.write(JSON.stringify(__results));\n"
    result = run_node_module(node, program)
    assert result.returncode == 0, result.stderr + "\n" + program[-4000:]
    return {**json.loads(result.stdout), **compile_errors}
