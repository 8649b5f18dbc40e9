"""Compile errors as data, and their rendering with `file:line:col`, the source line and a caret.

Passes collect `Diagnostic`s instead of raising on the first problem, so one run reports every error
it can; the driver raises a single `CompileError` carrying all of them.
"""

from __future__ import annotations

from compiler.record import record
from compiler.source import Source, Span


WINDOW = 100  # characters of a long source line shown around the caret


def window(line: str, col: int) -> tuple[str, int]:
    """A long line (minified code, a 1 MB literal) cut to WINDOW characters around the caret, with `…`
    where it was cut; returns the text to show and the caret's column in it."""
    if len(line) <= WINDOW + 20:
        return line, col
    start = max(0, col - 1 - WINDOW // 2)
    end = min(len(line), start + WINDOW)
    start = max(0, end - WINDOW)
    shown = line[start:end]
    col -= start
    if start > 0:
        shown = "…" + shown
        col += 1
    if end < len(line):
        shown += "…"
    return shown, col


@record
class Diagnostic:
    """One problem at file:line:col (line 0 means the file as a whole)."""

    file: str
    line: int
    col: int
    message: str
    severity: str = "error"
    hint: str | None = None
    length: int = 1  # how many characters the caret underlines
    source_line: str = ""

    def __eq__(self, other) -> bool:
        return isinstance(other, Diagnostic) and all(getattr(self, n) == getattr(other, n) for n in self._fields)

    __hash__ = None

    def render(self, color: bool = False) -> str:
        red, bold, dim, reset = ("\x1b[31m", "\x1b[1m", "\x1b[2m", "\x1b[0m") if color else ("", "", "", "")
        if self.line <= 0:  # about the file as a whole (cannot read it, cannot write the output)
            return f"{bold}{self.file}:{reset} {red}{self.severity}:{reset} {self.message}"
        head = f"{bold}{self.file}:{self.line}:{self.col}:{reset} {red}{bold}{self.severity}:{reset} {bold}{self.message}{reset}"
        gutter = str(self.line)
        pad = " " * len(gutter)
        shown, col = window(self.source_line, self.col)
        # Keep tabs in the caret line so the caret sits under the right character in any terminal.
        lead = "".join(ch if ch == "\t" else " " for ch in shown[: col - 1])
        visible = max(1, min(self.length, WINDOW, max(1, len(shown) - col + 1)))
        lines = [head, f" {dim}{gutter} |{reset} {shown}", f" {dim}{pad} |{reset} {lead}{red}{bold}{'^' * visible}{reset}"]
        if self.hint:
            lines.append(f" {pad} = hint: {self.hint}")
        return "\n".join(lines)


class CompileError(Exception):
    """Raised by the driver when the program has errors; `diagnostics` holds every one found."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = list(diagnostics)
        super().__init__(self.render())

    def render(self, color: bool = False) -> str:
        parts = [d.render(color) for d in self.diagnostics]
        count = len(self.diagnostics)
        parts.append(f"{count} error{'s' if count != 1 else ''} found")
        return "\n\n".join(parts[:-1]) + "\n" + parts[-1]


class ParseError(Exception):
    """Unwinds the parser to the nearest statement boundary; its diagnostic is already recorded."""


class Reporter:
    """Collects diagnostics for one source file."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.diagnostics: list[Diagnostic] = []

    def error(self, span: Span, message: str, hint: str | None = None) -> Diagnostic:
        length = max(1, span.end - span.start)
        diag = Diagnostic(
            file=self.source.name,
            line=span.line,
            col=span.col,
            message=message,
            hint=hint,
            length=length,
            source_line=self.source.line_text(span.line),
        )
        self.diagnostics.append(diag)
        return diag

    def file_error(self, message: str) -> Diagnostic:
        diag = Diagnostic(file=self.source.name, line=0, col=0, message=message)
        self.diagnostics.append(diag)
        return diag

    @property
    def failed(self) -> bool:
        return bool(self.diagnostics)
