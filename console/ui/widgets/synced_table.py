"""A DataTable that is given the whole wanted content each poll and changes only what differs.

Rebuilding a table on every poll would redraw it every time (bytes over SSH) and lose the cursor;
here unchanged rows are left alone, changed cells are updated in place, and the cursor stays on the
same row key when rows come and go.
"""

from __future__ import annotations

from typing import Sequence

from rich.text import Text
from textual.widgets import DataTable

Row = tuple[str, Sequence[str | Text]]  # (row key, cells)


class SyncedTable(DataTable):
    DEFAULT_CSS = """
    SyncedTable { height: 1fr; overflow-x: hidden; }
    """

    def __init__(self, columns: Sequence[tuple[str, str, int | None]], **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self._column_spec = columns  # (key, label, width)
        self._rows: dict[str, tuple] = {}

    def on_mount(self) -> None:
        for key, label, width in self._column_spec:
            self.add_column(label, key=key, width=width)

    @property
    def selected_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except Exception:  # the cursor can point past a table that just shrank
            return None

    def sync(self, rows: Sequence[Row]) -> None:
        wanted = {key: tuple(cells) for key, cells in rows}
        order = [key for key, _ in rows]
        if order == list(self._rows) and all(self._rows[k] == wanted[k] for k in order):
            return
        selected = self.selected_key
        if order != list(self._rows):
            # Rows came, went or moved: rebuild (still cheap; this happens when data changes).
            self.clear()
            for key in order:
                self.add_row(*wanted[key], key=key)
        else:
            columns = [c[0] for c in self._column_spec]
            for key in order:
                for column, old, new in zip(columns, self._rows[key], wanted[key]):
                    if old != new:
                        self.update_cell(key, column, new)
        self._rows = wanted
        if selected in wanted:
            self.move_cursor(row=order.index(selected), animate=False)
