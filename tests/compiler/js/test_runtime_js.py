"""Runs the node unit tests of the worker runtime (compiler/js) with the pinned Node 22."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
NODE = ROOT / "runtime" / "node_modules" / ".bin" / "node"


def test_runtime_unit_tests_pass_on_node():
    result = subprocess.run(
        [str(NODE), "--test", "--test-reporter=spec", str(Path(__file__).with_name("runtime.test.mjs"))],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert "ℹ pass 0" not in result.stdout and "ℹ fail 0" in result.stdout, result.stdout[-3000:]


def test_every_runtime_file_passes_node_check_as_one_module(tmp_path):
    # The compiler inlines all files into one ES module; a duplicate top-level name would fail here.
    files = sorted((ROOT / "compiler" / "js").glob("*.js"))
    module = tmp_path / "worker.mjs"
    module.write_text("\n".join(f.read_text() for f in files) + "\nexport default __tova_createWorker({});\n")
    result = subprocess.run([str(NODE), "--check", str(module)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
