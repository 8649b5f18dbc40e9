"""Notices edits to a project's inputs (the .tova file, tova.toml, migrations) so `tova dev` can reload.

Polling file times, not inotify: it works the same on every OS and in containers, and a project has a
handful of files, so a check every quarter second costs nothing.
"""

from __future__ import annotations

from pathlib import Path


class ProjectWatch:
    def __init__(self, source: Path) -> None:
        self.source = source.resolve()
        self._seen = self._times()

    def _files(self) -> list[Path]:
        root = self.source.parent
        return [self.source, root / "tova.toml", *sorted((root / "migrations").glob("*.sql"))]

    def _times(self) -> dict[Path, tuple[float, int] | None]:
        times: dict[Path, tuple[float, int] | None] = {}
        for path in self._files():
            try:
                stat = path.stat()
                times[path] = (stat.st_mtime, stat.st_size)
            except OSError:
                times[path] = None
        return times

    def changed(self) -> list[Path]:
        """The inputs edited, added or removed since the last call (empty when none)."""
        now = self._times()
        changed = [path for path in now.keys() | self._seen.keys() if now.get(path) != self._seen.get(path)]
        self._seen = now
        return sorted(changed)
