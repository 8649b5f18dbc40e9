"""A plotext line chart of a few history series against "seconds ago", for the charts screen.

The dashboard's one-line sparks are cheap enough for SSH on every poll; this chart redraws a whole
canvas, so it lives on a screen the user opens on purpose (`g`) and closes again.
"""

from __future__ import annotations

from textual_plotext import PlotextPlot

from console.model import Series


class HistoryChart(PlotextPlot):
    DEFAULT_CSS = """
    HistoryChart { height: 1fr; min-height: 8; border: round $primary-darken-2; }
    """

    def __init__(self, title: str, unit: str = "", scale: float = 1.0, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title = title
        self.unit = unit
        self.scale = scale  # divides every value (bytes -> MB)
        self.plotted: dict[str, int] = {}  # label -> points drawn, what tests and the screen can read

    def draw(self, lines: dict[str, Series], now: float) -> None:
        plt = self.plt
        plt.clear_data()
        plt.title(self.title)
        drawn = {label: series.points for label, series in lines.items()}
        # a console open for hours holds hours (older points one per minute): say so in minutes
        span = max((now - points[0][0] for points in drawn.values() if points), default=0.0)
        per = 60.0 if span > 600 else 1.0
        plt.xlabel("minutes ago" if per == 60 else "seconds ago")
        if self.unit:
            plt.ylabel(self.unit)
        self.plotted = {}
        highest = 0.0
        for label, points in drawn.items():
            if not points:
                continue
            plt.plot([(at - now) / per for at, _ in points], [value / self.scale for _, value in points],
                     label=label, marker="braille")
            self.plotted[label] = len(points)
            highest = max(highest, max(value for _, value in points) / self.scale)
        # counts and sizes are never negative: an idle queue sits on the floor, not mid-chart
        plt.ylim(0, highest * 1.1 or 1)
        self.refresh()
