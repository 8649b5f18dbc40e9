"""A project as the console sees it: the built manifest plus the project config in ``tova.toml``.

``Project.load`` is the console's only road to the compiler (docs/contracts.md §7). The config file is
optional and sits beside the ``.tova`` file; it says what the language cannot: which stats endpoints to
watch and the request headers they need (with ``${SECRET}`` taken from the target's secrets, so a
key-protected ``/api/stats`` works without the key ever being written down), and how often to poll.

    [console]
    interval = 2            # seconds between polls
    timeout = 5             # seconds per request
    history = 120           # points kept per chart

    [[stats]]
    worker = "api"
    path = "/api/stats"
    headers = { "X-API-Key" = "${API_KEY}" }

    [dlq]
    replay_rate = 50        # messages per second when replaying
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from console.manifest import Manifest
from console.ops_client import MAX_REPLAY_RATE

CONFIG_NAME = "tova.toml"
_SECRET_REF = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ProjectError(Exception):
    """The project cannot be loaded (bad config, missing file); the message says where and why."""


class SecretMissing(ProjectError):
    """A ``${NAME}`` in the config names a secret the target does not have."""


@dataclass(frozen=True)
class StatsEndpoint:
    worker: str  # block
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)  # values may hold ${SECRET} references

    @property
    def label(self) -> str:
        return f"{self.worker} {self.path}"


@dataclass(frozen=True)
class ProjectConfig:
    interval: float = 2.0
    timeout: float = 5.0
    history: int = 120
    replay_rate: float = 50.0
    stats: tuple[StatsEndpoint, ...] | None = None  # None: not configured, guess from the routes
    path: Path | None = None  # where it was read from; None for the defaults


def expand_secrets(template: str, secret: Callable[[str], str | None], where: str = "value") -> str:
    """Replace each ``${NAME}`` with the secret's value (``$$`` is a literal ``$``)."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return "$"
        value = secret(name)
        if value is None:
            raise SecretMissing(f"{where} needs the secret {name}, which the target does not have")
        return value

    return _SECRET_REF.sub(replace, template)


def secret_names(template: str) -> list[str]:
    return [m.group(1) for m in _SECRET_REF.finditer(template) if m.group(1)]


def load_config(path: Path) -> ProjectConfig:
    """Read ``tova.toml``; a missing file is the defaults, a wrong one is a ProjectError naming the key."""
    if not path.exists():
        return ProjectConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProjectError(f"{path}: {exc}") from None
    return _ConfigReader(path).config(data)


class _ConfigReader:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, what: str) -> ProjectError:
        return ProjectError(f"{self.path}: {key}: {what}")

    def table(self, data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(key, "expected a table")
        return value

    def number(self, table: Mapping[str, Any], key: str, where: str, default: float, minimum: float,
               maximum: float | None = None) -> float:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(f"{where}.{key}", f"expected a number, found {value!r}")
        if value < minimum:
            raise self.fail(f"{where}.{key}", f"must be at least {minimum:g}, found {value}")
        if maximum is not None and value > maximum:
            raise self.fail(f"{where}.{key}", f"must be at most {maximum:g}, found {value}")
        return float(value)

    def config(self, data: Mapping[str, Any]) -> ProjectConfig:
        known = {"console", "stats", "dlq"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise self.fail(unknown[0], f"unknown setting (known: {', '.join(sorted(known))})")
        console = self.table(data, "console")
        dlq = self.table(data, "dlq")
        stats = None
        if "stats" in data:
            entries = data["stats"]
            if not isinstance(entries, list):
                raise self.fail("stats", "expected [[stats]] tables")
            stats = tuple(self.stats(entry, i) for i, entry in enumerate(entries))
        return ProjectConfig(
            interval=self.number(console, "interval", "console", 2.0, 0.2),
            timeout=self.number(console, "timeout", "console", 5.0, 0.1),
            history=int(self.number(console, "history", "console", 120, 2)),
            replay_rate=self.number(dlq, "replay_rate", "dlq", 50.0, 0.1, MAX_REPLAY_RATE),
            stats=stats,
            path=self.path,
        )

    def stats(self, entry: Any, index: int) -> StatsEndpoint:
        where = f"stats[{index}]"
        if not isinstance(entry, dict):
            raise self.fail(where, "expected a table")
        worker, path = entry.get("worker"), entry.get("path")
        if not isinstance(worker, str) or not worker:
            raise self.fail(f"{where}.worker", "expected the block name of a worker, e.g. \"api\"")
        if not isinstance(path, str) or not path.startswith("/"):
            raise self.fail(f"{where}.path", "expected a path starting with /")
        headers = entry.get("headers", {})
        if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
            raise self.fail(f"{where}.headers", "expected a table of strings")
        return StatsEndpoint(worker=worker, path=path, headers=dict(headers))


def default_stats(manifest: Manifest) -> tuple[StatsEndpoint, ...]:
    """Without config, watch every parameterless GET route that ends in ``/stats`` (the seed's shape)."""
    return tuple(
        StatsEndpoint(worker=w.block, path=r.path)
        for w in manifest.workers
        for r in w.routes
        if r.method == "GET" and r.path.rstrip("/").endswith("/stats") and ":" not in r.path and "*" not in r.path
    )


@dataclass(frozen=True)
class Project:
    source: Path | None  # the .tova file; None when loaded from a manifest alone
    root: Path  # the project folder (where tova.toml, .dev.vars and migrations/ live)
    out_dir: Path  # .tova-out/
    manifest_path: Path
    manifest: Manifest
    config: ProjectConfig

    @property
    def name(self) -> str:
        return self.manifest.project

    @property
    def stats_endpoints(self) -> tuple[StatsEndpoint, ...]:
        if self.config.stats is not None:
            return self.config.stats
        return default_stats(self.manifest)

    @classmethod
    def load(cls, source: str | Path, out_dir: str | Path | None = None) -> Project:
        """Build ``source`` and read the result. Raises ``compiler.diagnostics.CompileError`` on bad
        Tova (its ``render()`` has the carets) and ``ProjectError`` on a bad config."""
        source = Path(source)
        if not source.is_file():
            raise ProjectError(f"{source}: no such file")
        from compiler.driver import build  # imported here so status/dlq can start without the compiler loaded

        result = build(source, out_dir)
        manifest = Manifest.from_dict(result.manifest, base_dir=result.manifest_path.parent, origin=str(result.manifest_path))
        root = source.resolve().parent
        return cls._with_config(source.resolve(), root, Path(result.out_dir), Path(result.manifest_path), manifest)

    @classmethod
    def from_manifest(cls, manifest_path: str | Path, root: str | Path | None = None) -> Project:
        """A project from an already built ``manifest.json`` (tests, and tools that built elsewhere)."""
        manifest_path = Path(manifest_path).resolve()
        manifest = Manifest.load(manifest_path)
        root_dir = Path(root).resolve() if root else manifest_path.parent.parent
        source = root_dir / manifest.source if manifest.source else None
        return cls._with_config(source, root_dir, manifest_path.parent, manifest_path, manifest)

    @classmethod
    def _with_config(cls, source: Path | None, root: Path, out_dir: Path, manifest_path: Path, manifest: Manifest) -> Project:
        config = load_config(root / CONFIG_NAME)
        for endpoint in config.stats or ():
            if endpoint.worker not in manifest.blocks:
                raise ProjectError(
                    f"{config.path}: stats worker {endpoint.worker!r} is not a block of {manifest.project} "
                    f"(blocks: {', '.join(manifest.blocks)})"
                )
        return cls(source=source, root=root, out_dir=out_dir, manifest_path=manifest_path, manifest=manifest, config=config)
