"""Per queue: backlog with its chart, oldest message age, throughput, retries and dead letters."""

from __future__ import annotations

from console.model import History, Snapshot
from console.ui import formatting as fmt
from console.ui.markup import cell
from console.ui.widgets.panel import Panel


class QueuesPanel(Panel):
    DEFAULT_CSS = """
    QueuesPanel { min-width: 34; width: 2fr; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("Queues", **kwargs)

    def show(self, snapshot: Snapshot, history: History) -> None:
        self.remember(snapshot, history)
        width = self.inner_width
        name_w = min(max([len(q.name) for q in snapshot.queues] + [5]), max(8, width // 3))
        # name backlog age acked/s retry/s dead [chart]; narrow panels drop columns from the right
        wide = width >= name_w + 44
        spark_w = max(0, width - name_w - (44 if wide else 16))
        header = cell("queue", name_w) + cell("backlog", 8, right=True) + cell("dead", 6, right=True)
        if wide:
            header += cell("oldest", 7, right=True) + cell("acked", 8, right=True) + cell("retry", 8, right=True)
        lines = [f"[$text-muted]{header}[/]"]
        for queue in snapshot.queues:
            key = f"queue:{queue.name}"
            dead = queue.dead_lettered
            dead_style = "$error" if dead else None
            backlog_style = "$warning" if (queue.backlog_count or 0) > 0 else None
            name = queue.name + (" ☠" if queue.is_dead_letter_queue else "")
            line = (cell(name, name_w) + cell(fmt.number(queue.backlog_count), 8, backlog_style, right=True)
                    + cell(fmt.number(dead), 6, dead_style, right=True))
            if wide:
                line += (cell(fmt.age(queue.oldest_message_age_s), 7, right=True)
                         + cell(fmt.rate(history.series(f"{key}:acked").rate_per_s()), 8, right=True)
                         + cell(fmt.rate(history.series(f"{key}:retried").rate_per_s()), 8, right=True))
            if spark_w >= 4:
                line += "  " + cell(fmt.spark(history.series(f"{key}:backlog").values, spark_w), None, "$accent")
            lines.append(line)
            if queue.last_error and wide:
                lines.append("  " + cell(fmt.one_line("last error: " + queue.last_error, width - 2), None, "$error"))
        if not snapshot.queues:
            lines = [cell("no queues", None, "$text-muted")]
        self.show_markup("\n".join(lines))
