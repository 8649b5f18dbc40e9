"""The npm-side installer: reuses a matching install, reinstalls on a changed lock, names the fix when
node or npm is missing or too old."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from console.targets.local.installer import RUNTIME_DIR, RuntimeInstallError, RuntimePaths, ensure_runtime


def _fake_runtime(root: Path, stamp: str | None) -> RuntimePaths:
    (root / "node_modules" / ".bin").mkdir(parents=True)
    (root / "package-lock.json").write_text('{"lockfileVersion": 3}')
    (root / "node_modules" / ".bin" / "node").write_text("")
    paths = RuntimePaths(root)
    if stamp is not None:
        paths.stamp.write_text((paths.lock_hash() if stamp == "match" else stamp) + "\n")
    return paths


def _fake_tool(folder: Path, name: str, script: str) -> None:
    tool = folder / name
    tool.write_text(f"#!/bin/sh\n{script}\n")
    tool.chmod(tool.stat().st_mode | stat.S_IEXEC)


def test_the_real_install_is_complete_and_stamped():
    # bin/test installed it before the suite; the runner's imports must be there.
    paths = RuntimePaths(RUNTIME_DIR)
    assert paths.is_installed()
    for package in ("miniflare", "ws", "workerd", "wrangler"):
        assert (paths.node_modules / package / "package.json").is_file()


def test_a_matching_stamp_skips_npm_entirely(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    paths = _fake_runtime(tmp_path, "match")
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))  # npm would not even be found
    said: list[str] = []
    assert ensure_runtime(paths, said.append) is paths
    assert said == []


def test_a_changed_lock_means_not_installed(tmp_path: Path):
    paths = _fake_runtime(tmp_path, "0123456789abcdef")
    assert not paths.is_installed()


def test_missing_node_and_npm_name_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    paths = _fake_runtime(tmp_path / "rt", None)
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    with pytest.raises(RuntimeInstallError, match=r"node and npm not found on PATH.*nodejs"):
        ensure_runtime(paths, lambda line: None)


def test_too_old_node_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    paths = _fake_runtime(tmp_path / "rt", None)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _fake_tool(bin_dir, "node", "echo v16.20.0")
    _fake_tool(bin_dir, "npm", "exit 0")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}/usr/bin:/bin")
    with pytest.raises(RuntimeInstallError, match=r"v16.20.0 is too old"):
        ensure_runtime(paths, lambda line: None)


def test_a_failing_npm_reports_its_output_and_leaves_no_stamp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    paths = _fake_runtime(tmp_path / "rt", None)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _fake_tool(bin_dir, "node", "echo v22.0.0")
    _fake_tool(bin_dir, "npm", "echo 'npm error code E404'; echo 'npm http fetch GET 200 x'; exit 1")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}/usr/bin:/bin")
    said: list[str] = []
    with pytest.raises(RuntimeInstallError, match="E404"):
        ensure_runtime(paths, said.append)
    assert any("installing the local runtime" in line for line in said)
    assert not paths.stamp.exists()


def test_a_successful_npm_run_writes_the_stamp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    paths = _fake_runtime(tmp_path / "rt", None)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _fake_tool(bin_dir, "node", "echo v22.0.0")
    _fake_tool(bin_dir, "npm", "echo 'added 42 packages'")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}/usr/bin:/bin")
    said: list[str] = []
    ensure_runtime(paths, said.append)
    assert paths.is_installed()
    assert "npm: added 42 packages" in said and said[-1] == "local runtime ready"
