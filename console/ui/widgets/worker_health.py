"""Health and memory of each worker: status, failing checks, V8 heap with its recent history, and where
the platform counts them (Cloudflare), its requests, errors by kind and CPU time."""

from __future__ import annotations

from dataclasses import dataclass

from console.model import Health, History, Invocations, Snapshot
from console.ui import formatting as fmt
from console.ui.markup import cell, health
from console.ui.widgets.panel import Panel, set_subtitle


def address(url: str | None) -> str:
    """host:port of a worker URL ("http://127.0.0.1:8787" -> "127.0.0.1:8787"), "" when unknown."""
    if not url:
        return ""
    return url.split("://", 1)[-1].rstrip("/")


class WorkerHealthPanel(Panel):
    DEFAULT_CSS = """
    WorkerHealthPanel { min-width: 24; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("Workers", **kwargs)

    def show(self, snapshot: Snapshot, history: History) -> None:
        self.remember(snapshot, history)
        width = self.inner_width
        layout = row_layout(snapshot.workers, width)
        lines: list[str] = []
        for worker in snapshot.workers:
            line = (cell(worker.block, layout.name) + " " + health(worker.health, layout.health) + " "
                    + cell(heap_text(worker.memory.heap_used, layout.compact), layout.heap, right=True))
            if layout.address:
                line += " " + cell(address(worker.url), layout.address, "$text-muted")
            elif layout.port:
                host, colon, port = address(worker.url).rpartition(":")
                line += " " + cell(":" + port if colon and port.isdigit() else "", layout.port, "$text-muted")
            if layout.spark:
                values = history.series(f"worker:{worker.block}:heap").values
                line += " " + cell(fmt.spark(values, layout.spark), None, "$secondary")
            lines.append(line)
            if worker.invocations is not None:
                text = fmt.one_line(invocations_line(worker.invocations, width - 2), width - 2)
                lines.append("  " + cell(text, None, "$warning" if worker.invocations.errors else "$text-muted"))
            if worker.health == Health.DOWN and worker.error:
                lines.append("  " + cell(fmt.one_line(worker.error, width - 2), None, "$error"))
            for check in worker.checks:
                if check.status in (Health.DEGRADED, Health.DOWN):
                    detail = f" {check.detail}" if check.detail else ""
                    text = fmt.one_line(f"{check.name}: {check.status.value}{detail}", width - 2)
                    lines.append("  " + cell(text, None, "$warning" if check.status == Health.DEGRADED else "$error"))
        if snapshot.runtime_rss is not None:
            lines.append(cell(f"runtime RSS {fmt.size(snapshot.runtime_rss)}", None, "$text-muted"))
        if not snapshot.workers:
            lines.append(cell("no workers yet", None, "$text-muted"))
        self.show_markup("\n".join(lines))
        down = sum(1 for w in snapshot.workers if w.health == Health.DOWN)
        set_subtitle(self, f"{down} down" if down else "")


@dataclass(frozen=True)
class RowLayout:
    """Column widths of a worker's row; 0 leaves a column out."""

    name: int
    health: int
    heap: int
    compact: bool  # the heap as "4.9M"
    address: int = 0
    port: int = 0
    spark: int = 0


def row_layout(workers, width: int) -> RowLayout:
    """The name is what the engineer looks for, then where to `curl` the worker (the README's `curl
    localhost:PORT`), then the heap, then its spark. So the heap gives up its space ("590K") before a
    name like "processor" is cut or the port is left out; the address gives way to its port alone."""
    longest = max([len(w.block) for w in workers] + [6])
    health_w = 2 + max([len(w.health.value) for w in workers] + [2])
    address_w = max([len(address(w.url)) for w in workers] + [0])
    port_w = 1 + max([len(address(w.url).rpartition(":")[2]) for w in workers] + [0])
    candidates = []
    for compact in (False, True):
        heap_w = max([len(heap_text(w.memory.heap_used, compact)) for w in workers] + [5])
        name_w = min(longest, max(6, width - health_w - heap_w - 2))
        room = width - name_w - health_w - heap_w - 2
        for where, where_w in (("address", address_w), ("port", port_w)):
            if address_w and room >= where_w + 1:
                left = room - where_w - 1
                candidates.append((name_w, RowLayout(name_w, health_w, heap_w, compact, **{where: where_w},
                                                     spark=left - 1 if left >= 5 else 0)))
                break
        candidates.append((name_w, RowLayout(name_w, health_w, heap_w, compact, spark=room - 1 if room >= 5 else 0)))
    # the whole name first; then the first that says where the worker is (uncompacted before compacted)
    whole = [layout for name_w, layout in candidates if name_w == longest] or [layout for _, layout in candidates]
    return next((layout for layout in whole if layout.address or layout.port), whole[0])


def heap_text(heap: int | None, compact: bool) -> str:
    if heap is None:
        return "–"
    text = fmt.size(heap)
    if not compact:
        return text
    number, unit = text.split(" ")
    # "4.9 MB" -> "4.9M"; "590.2 KB" -> "590K" (a KB decimal is noise; the heap moves by tens of KB a poll)
    return f"{float(number):.0f}K" if unit == "KB" else f"{number}{unit[0]}"


def invocations_line(inv: Invocations, width: int) -> str:
    """The richest of a few wordings that fits: "912 req · 12 err: 12 threw · cpu p99 25ms" when wide,
    down to "12/912 err: 12 threw" in a narrow pane. The kind of error outlives the CPU figure."""
    kinds = [(n, long, short) for n, long, short in (
        (inv.script_threw, "threw", "threw"), (inv.exceeded_resources, "over CPU/memory limits", "over limits"),
        (inv.internal_error, "internal", "internal"), (inv.client_disconnected, "disconnected", "gone")) if n]
    cpu = f" · cpu p99 {inv.cpu_p99_ms:g}ms" if inv.cpu_p99_ms is not None else ""
    full = f"{inv.requests:,} req · {inv.errors:,} err" + (": " + ", ".join(f"{n} {w}" for n, w, _ in kinds) if kinds else "")
    short = f"{inv.errors:,}/{inv.requests:,} err" + (": " + ", ".join(f"{n} {w}" for n, _, w in kinds) if kinds else "")
    p99 = f" · p99 {inv.cpu_p99_ms:g}ms" if inv.cpu_p99_ms is not None else ""
    for text in (full + cpu, short + p99, short, f"{inv.errors:,}/{inv.requests:,} err" + p99):
        if len(text) <= width:
            return text
    return f"{inv.errors:,}/{inv.requests:,} err"
