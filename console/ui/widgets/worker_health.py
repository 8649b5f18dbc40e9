"""Health and memory of each worker: status, failing checks, V8 heap with its recent history."""

from __future__ import annotations

from console.model import Health, History, Snapshot
from console.ui import formatting as fmt
from console.ui.markup import cell, health
from console.ui.widgets.panel import Panel, set_subtitle


class WorkerHealthPanel(Panel):
    DEFAULT_CSS = """
    WorkerHealthPanel { min-width: 24; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("Workers", **kwargs)

    def show(self, snapshot: Snapshot, history: History) -> None:
        self.remember(snapshot, history)
        width = self.inner_width
        name_w = max([len(w.block) for w in snapshot.workers] + [6])
        name_w = min(name_w, max(6, width // 3))
        health_w = 2 + max([len(w.health.value) for w in snapshot.workers] + [2])
        spark_w = max(0, width - name_w - health_w - 12)
        lines: list[str] = []
        for worker in snapshot.workers:
            heap = worker.memory.heap_used
            heap_text = fmt.size(heap) if heap is not None else "–"
            line = (
                cell(worker.block, name_w) + " " + health(worker.health, health_w) + " "
                + cell(heap_text, max(6, min(9, width - name_w - health_w - 2)), right=True)
            )
            if spark_w >= 4:
                values = history.series(f"worker:{worker.block}:heap").values
                line += " " + cell(fmt.spark(values, spark_w), None, "$secondary")
            lines.append(line)
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
