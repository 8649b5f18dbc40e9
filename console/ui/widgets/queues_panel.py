"""Per queue: backlog with its chart, oldest message age, throughput, retries and dead letters."""

from __future__ import annotations

from console.model import History, QueueState, Snapshot
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
        stored = stored_by_dlq(snapshot)
        for queue, source in in_reading_order(snapshot.queues):
            key = f"queue:{queue.name}"
            dead = queue.dead_lettered
            if queue.is_dead_letter_queue and dead is None and stored is not None:
                dead = stored.get(queue.name, 0)  # what waits in its store, for a queue that kills nothing itself
            dead_style = "$error" if dead else None
            backlog_style = "$warning" if (queue.backlog_count or 0) > 0 else None
            if source is not None:
                # under its source queue: "↳ dlq ☠" says whose it is in the room a narrow pane has
                short = queue.name[len(source):].lstrip("-_.") if queue.name.startswith(source) else queue.name
                name = "↳ " + fmt.fit_name(short or queue.name, max(1, name_w - 4)) + " ☠"
            else:
                mark = " ☠" if queue.is_dead_letter_queue else ""
                name = fmt.fit_name(queue.name, name_w - len(mark)) + mark
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


def in_reading_order(queues) -> list[tuple[QueueState, str | None]]:
    """Each queue followed by its dead-letter queue (paired with the source's name); the rest after."""
    by_name = {q.name: q for q in queues}
    placed: set[str] = set()
    out: list[tuple[QueueState, str | None]] = []
    for queue in queues:
        if queue.name in placed or queue.is_dead_letter_queue:
            continue
        out.append((queue, None))
        placed.add(queue.name)
        dlq = by_name.get(queue.dead_letter_queue or "")
        if dlq is not None and dlq.name not in placed:
            out.append((dlq, queue.name))
            placed.add(dlq.name)
    out += [(q, None) for q in queues if q.name not in placed]
    return out


def stored_by_dlq(snapshot: Snapshot) -> dict[str, int] | None:
    """Letters in the store per dead-letter queue, when the snapshot holds them all (else None: unknown)."""
    if len(snapshot.dead_letters) != snapshot.dead_letter_total:
        return None
    counts: dict[str, int] = {}
    for letter in snapshot.dead_letters:
        counts[letter.dlq] = counts.get(letter.dlq, 0) + 1
    return counts
