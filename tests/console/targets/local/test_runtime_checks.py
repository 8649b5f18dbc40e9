"""LocalRuntime refuses clearly, before starting anything, when its inputs are wrong."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from console.targets.local.installer import RuntimePaths
from console.targets.local.runtime import LocalRuntime, LocalRuntimeError, parse_memory


def test_an_unreadable_manifest_names_the_file(tmp_path: Path):
    with pytest.raises(LocalRuntimeError, match=r"cannot read the build manifest .*manifest\.json"):
        LocalRuntime(tmp_path / "manifest.json")


def test_a_pinned_node_that_is_too_old_names_the_fix(tmp_path: Path):
    root = tmp_path / "runtime"
    (root / "node_modules" / ".bin").mkdir(parents=True)
    (root / "package-lock.json").write_text("{}")
    node = root / "node_modules" / ".bin" / "node"
    node.write_text("#!/bin/sh\necho v18.19.0\n")
    node.chmod(node.stat().st_mode | stat.S_IEXEC)
    paths = RuntimePaths(root)
    paths.stamp.write_text(paths.lock_hash())
    out = tmp_path / "project" / ".tova-out"
    out.mkdir(parents=True)
    (out / "manifest.json").write_text('{"version": 1, "workers": []}')
    runtime = LocalRuntime(out / "manifest.json", runtime_paths=paths)
    with pytest.raises(LocalRuntimeError, match=r"v18\.19\.0.*needs Node 20\+.*Delete .*node_modules"):
        runtime.start()
    assert not runtime.running
    assert not (tmp_path / "project" / ".dev.vars").exists()  # refused before touching anything


def test_memory_figures_keep_unknowns_unknown():
    memory = parse_memory({"workers": {"api": {"heap_used": 10, "heap_total": 20}, "bad": {"error": "closed"}},
                           "rss": None})
    assert memory.workers["api"].heap_used == 10 and memory.workers["api"].source == "inspector"
    assert memory.workers["bad"].heap_used is None and memory.workers["bad"].source is None
    assert memory.rss is None
