"""Every numeric field of the stats endpoints, with the change since the last poll and a sparkline."""

from __future__ import annotations

from console.model import History, Snapshot
from console.ui import formatting as fmt
from console.ui.markup import cell
from console.ui.widgets.panel import Panel, set_subtitle


class StatsPanel(Panel):
    DEFAULT_CSS = """
    StatsPanel { min-width: 22; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("Stats", **kwargs)

    def show(self, snapshot: Snapshot, history: History) -> None:
        self.remember(snapshot, history)
        width = self.inner_width
        endpoints = sorted({s.endpoint for s in snapshot.stats})
        several = len(endpoints) > 1
        key_w = min(max([len(s.key) for s in snapshot.stats] + [5]), max(5, width // 2))
        value_w = max([len(fmt.number(s.value)) for s in snapshot.stats] + [1])
        trend_w = max([len(fmt.trend(history.series(f"stat:{s.endpoint}:{s.key}").trend())) for s in snapshot.stats] + [1])
        key_w = max(3, min(key_w, width - value_w - trend_w - 2))
        spark_w = max(0, width - key_w - value_w - trend_w - 3)
        lines: list[str] = []
        for endpoint in endpoints:
            if several:
                lines.append(cell(endpoint, width, "$text-muted"))
            for stat in (s for s in snapshot.stats if s.endpoint == endpoint):
                series = history.series(f"stat:{stat.endpoint}:{stat.key}")
                change = series.trend()
                style = None if not change else ("$warning" if change > 0 else "$success")
                line = (cell(fmt.fit_name(stat.key, key_w), key_w) + " " + cell(fmt.number(stat.value), value_w, right=True)
                        + " " + cell(fmt.trend(change), trend_w, style))
                if spark_w >= 4:
                    line += " " + cell(fmt.spark(series.values, spark_w), None, "$secondary")
                lines.append(line)
        if not snapshot.stats:
            lines.append(cell("no stats endpoint", None, "$text-muted"))
        self.show_markup("\n".join(lines))
        set_subtitle(self, endpoints[0] if len(endpoints) == 1 else "")
