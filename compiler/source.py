"""Source text and the spans that point into it.

Every token and AST node carries a `Span`, so any pass can report an error at the exact place the user
wrote the offending code. Line and column are 1-based, as editors show them.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from pathlib import Path

NEWLINE = re.compile("\n")


class SourceDecodeError(ValueError):
    """The file is not UTF-8 (a binary file, or another encoding): where the first bad byte is."""

    def __init__(self, data: bytes, offset: int) -> None:
        self.byte = data[offset]
        line_start = data.rfind(b"\n", 0, offset) + 1
        self.line = data.count(b"\n", 0, offset) + 1
        self.col = len(data[line_start:offset].decode("utf-8", "replace")) + 1
        self.line_text = data[line_start : data.find(b"\n", offset) if b"\n" in data[offset:] else len(data)].decode("utf-8", "replace")
        self.is_nul = self.byte == 0
        super().__init__(f"byte 0x{self.byte:02x} is not UTF-8")


class Span:
    """start: offset of the first character; end: one past the last; line and col of the start."""

    __slots__ = ("start", "end", "line", "col")

    def __init__(self, start: int, end: int, line: int, col: int) -> None:
        self.start = start
        self.end = end
        self.line = line
        self.col = col

    def __repr__(self) -> str:
        return f"Span({self.start}, {self.end}, line={self.line}, col={self.col})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Span) and (self.start, self.end) == (other.start, other.end)

    def __hash__(self) -> int:
        return hash((self.start, self.end))

    def to(self, other: "Span") -> "Span":
        """The span from the start of this one to the end of `other`."""
        return Span(self.start, max(self.end, other.end), self.line, self.col)


class Source:
    """One .tova file: its name for messages, its text, and offset -> line/column lookups."""

    def __init__(self, text: str, name: str = "<input>", path: Path | None = None) -> None:
        self.text = text
        self.name = name
        self.path = path
        self._line_starts = [0] + [m.end() for m in NEWLINE.finditer(text)]

    @classmethod
    def from_path(cls, path: Path, display: str | None = None) -> "Source":
        """Raises OSError, or SourceDecodeError at the first byte that is not UTF-8 text."""
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")  # an editor's byte-order mark is not code
        except UnicodeDecodeError as error:
            nul = data.find(b"\0", 0, error.start)
            # a binary file usually has a NUL byte before its first invalid sequence: name that
            raise SourceDecodeError(data, nul if nul >= 0 else error.start) from None
        return cls(text, display or str(path), path)

    def line_col(self, offset: int) -> tuple[int, int]:
        index = bisect_right(self._line_starts, offset) - 1
        return index + 1, offset - self._line_starts[index] + 1

    def span(self, start: int, end: int) -> Span:
        line, col = self.line_col(start)
        return Span(start, end, line, col)

    def line_text(self, line: int) -> str:
        if line < 1 or line > len(self._line_starts):
            return ""
        start = self._line_starts[line - 1]
        end = self.text.find("\n", start)
        line = self.text[start:] if end < 0 else self.text[start:end]
        return line.rstrip("\r")  # a CRLF file's carriage return would send the caret line astray
