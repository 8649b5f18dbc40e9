"""Health and memory of each worker: status, failing checks, V8 heap with its recent history, and where
the platform counts them (Cloudflare), its requests, errors by kind and CPU time."""

from __future__ import annotations

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
        longest = max([len(w.block) for w in snapshot.workers] + [6])
        health_w = 2 + max([len(w.health.value) for w in snapshot.workers] + [2])
        # The name is what the engineer looks for: at 80 columns the heap gives up its space ("3.2M")
        # before a name like "processor" is cut.
        compact = longest + health_w + 8 > width
        heap_w = 5 if compact else 6
        name_w = min(longest, max(6, width - health_w - heap_w - 2))
        # where to `curl` each worker: its address when the pane is wide enough (the README's
        # `curl localhost:PORT` needs it), else its port alone once there is room for that
        address_w = max([len(address(w.url)) for w in snapshot.workers] + [0])
        show_address = width - name_w - health_w - 12 >= address_w + 8
        show_port = not show_address and width - name_w - health_w - 12 >= 7
        spark_w = max(0, width - name_w - health_w - 12 - (address_w + 1 if show_address else 7 if show_port else 0))
        lines: list[str] = []
        for worker in snapshot.workers:
            heap = worker.memory.heap_used
            heap_text = fmt.size(heap) if heap is not None else "–"
            if compact and heap is not None:
                heap_text = heap_text.replace(" ", "").rstrip("B") or heap_text  # "3.2 MB" -> "3.2M"
            line = (
                cell(worker.block, name_w) + " " + health(worker.health, health_w) + " "
                + cell(heap_text, max(heap_w, min(9, width - name_w - health_w - 2)), right=True)
            )
            if show_address:
                line += " " + cell(address(worker.url), address_w, "$text-muted")
            elif show_port:
                host, colon, port = address(worker.url).rpartition(":")
                line += " " + cell(":" + port if colon and port.isdigit() else "", 6, "$text-muted")
            if spark_w >= 4:
                values = history.series(f"worker:{worker.block}:heap").values
                line += " " + cell(fmt.spark(values, spark_w), None, "$secondary")
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
