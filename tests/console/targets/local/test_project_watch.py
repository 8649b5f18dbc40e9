"""`tova dev` reloads on edits to the program, its config and its migrations, and on nothing else."""

from __future__ import annotations

import os
from pathlib import Path

from console.targets.local.project_watch import ProjectWatch


def touch_later(path: Path, text: str) -> None:
    path.write_text(text)
    stat = path.stat()
    os.utime(path, (stat.st_atime + 5, stat.st_mtime + 5))  # file systems with coarse mtimes


def test_edits_to_inputs_are_noticed_once(tmp_path: Path):
    program = tmp_path / "app.tova"
    program.write_text("edge {}\n")
    (tmp_path / "migrations").mkdir()
    watch = ProjectWatch(program)
    assert watch.changed() == []
    touch_later(program, "edge { }\n")
    assert watch.changed() == [program.resolve()]
    assert watch.changed() == []
    migration = tmp_path / "migrations" / "0002_more.sql"
    migration.write_text("CREATE TABLE t (x);")
    (tmp_path / "tova.toml").write_text("[console]\n")
    assert watch.changed() == sorted([(tmp_path / "migrations" / "0002_more.sql").resolve(), (tmp_path / "tova.toml").resolve()])
    migration.unlink()
    assert watch.changed() == [migration.resolve()]


def test_build_output_and_state_do_not_count(tmp_path: Path):
    program = tmp_path / "app.tova"
    program.write_text("edge {}\n")
    watch = ProjectWatch(program)
    (tmp_path / ".tova-out" / "state").mkdir(parents=True)
    (tmp_path / ".tova-out" / "manifest.json").write_text("{}")
    (tmp_path / ".dev.vars").write_text("A=1\n")
    assert watch.changed() == []
