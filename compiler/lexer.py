"""Tokens from Tova source text.

Newlines end statements, so the lexer emits NEWLINE tokens, except inside `(...)` and `[...]` where an
expression may span lines freely. Braces can open a block or an object literal, which only the parser
can tell apart, so the parser skips newlines inside object literals itself.

A double-quoted string with `{expr}` pieces becomes one STRING token whose `parts` hold the literal text
and the offsets of each embedded expression; the parser lexes and parses those slices in place, so
errors inside an interpolation still point at the right column.
"""

from __future__ import annotations

from compiler.diagnostics import Reporter
from compiler.source import Source, Span

KEYWORDS = frozenset(
    """fn async await return if elif else for in while break continue try catch finally match var
    and or not nil true false throw shared type edge""".split()
)

# Longest first, so `|>` wins over `|` and `...` over `.`.
OPERATORS = sorted(
    """=> |> ?. ?? ... == != <= >= && || += -= *= /= %= ** + - * / % < > = ! . , : ( ) [ ] { } ; |""".split(),
    key=len,
    reverse=True,
)

# ASCII only: JavaScript must accept every name we emit, and `²` is a digit to Python but not to JS
DIGITS = frozenset("0123456789")
NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
NAME_CHARS = NAME_START | DIGITS

ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'", "{": "{", "}": "}"}


class Token:
    """kind: IDENT, KEYWORD, NUMBER, STRING, OP, NEWLINE or EOF. For a STRING, `parts` holds the
    literal text (str) and the embedded expressions as (start, end) offsets."""

    __slots__ = ("kind", "value", "span", "parts", "number")

    def __init__(self, kind: str, value: str, span: Span, parts: list | None = None, number=None) -> None:
        self.kind = kind
        self.value = value
        self.span = span
        self.parts = parts if parts is not None else []
        self.number = number

    def __repr__(self) -> str:
        return f"Token({self.kind}, {self.value!r}, {self.span.line}:{self.span.col})"

    def is_op(self, *ops: str) -> bool:
        return self.kind == "OP" and self.value in ops

    def is_kw(self, *words: str) -> bool:
        return self.kind == "KEYWORD" and self.value in words

    def describe(self) -> str:
        if self.kind == "EOF":
            return "the end of the file"
        if self.kind == "NEWLINE":
            return "the end of the line"
        if self.kind == "STRING":
            return "a string"
        if self.kind == "NUMBER":
            return f"the number `{self.value}`"
        return f"`{self.value}`"


class Lexer:
    def __init__(self, source: Source, reporter: Reporter, start: int = 0, end: int | None = None) -> None:
        self.source = source
        self.text = source.text
        self.reporter = reporter
        self.pos = start
        self.end = len(self.text) if end is None else end
        self.tokens: list[Token] = []
        self.nesting: list[str] = []  # open brackets, to know when newlines matter

    def span(self, start: int, end: int) -> Span:
        return self.source.span(start, end)

    def add(self, kind: str, value: str, start: int, end: int, **extra) -> Token:
        token = Token(kind, value, self.span(start, end), **extra)
        self.tokens.append(token)
        return token

    def tokenize(self) -> list[Token]:
        text, end = self.text, self.end
        while self.pos < end:
            ch = text[self.pos]
            if ch == "\n":
                if not self.nesting or self.nesting[-1] == "{":
                    if self.tokens and self.tokens[-1].kind != "NEWLINE":
                        self.add("NEWLINE", "\n", self.pos, self.pos + 1)
                self.pos += 1
            elif ch in " \t\r":
                self.pos += 1
            elif text.startswith("//", self.pos):
                newline = text.find("\n", self.pos, end)
                self.pos = end if newline < 0 else newline
            elif text.startswith("/*", self.pos):
                close = text.find("*/", self.pos + 2, end)
                if close < 0:
                    self.reporter.error(self.span(self.pos, self.pos + 2), "unterminated comment: expected `*/` before the end of the file")
                    self.pos = end
                else:
                    self.pos = close + 2
            elif ch in NAME_START:
                self.word()
            elif ch in DIGITS:
                self.number()
            elif ch == '"' or ch == "'":
                self.string(ch)
            else:
                self.operator()
        self.add("NEWLINE", "\n", end, end)
        self.add("EOF", "", end, end)
        return self.tokens

    def word(self) -> None:
        start = self.pos
        text, end = self.text, self.end
        pos = start
        while pos < end and text[pos] in NAME_CHARS:
            pos += 1
        self.pos = pos
        value = text[start:pos]
        self.add("KEYWORD" if value in KEYWORDS else "IDENT", value, start, pos)

    def number(self) -> None:
        start = self.pos
        text, end = self.text, self.end
        pos = start
        if text.startswith(("0x", "0X"), pos):
            pos += 2
            while pos < end and (text[pos] in "0123456789abcdefABCDEF_"):
                pos += 1
            raw = text[start:pos]
            self.pos = pos
            try:
                value: int | float = int(raw.replace("_", ""), 16)
            except ValueError:
                self.reporter.error(self.span(start, pos), f"malformed number `{raw}`: expected hex digits after `0x`")
                value = 0
            self.add("NUMBER", raw, start, pos, number=value)
            return
        while pos < end and (text[pos] in DIGITS or text[pos] == "_"):
            pos += 1
        is_float = False
        # `1..5` is not a float; a dot must be followed by a digit
        if pos + 1 < end and text[pos] == "." and text[pos + 1] in DIGITS:
            is_float = True
            pos += 1
            while pos < end and (text[pos] in DIGITS or text[pos] == "_"):
                pos += 1
        if pos < end and text[pos] in "eE":
            look = pos + 1
            if look < end and text[look] in "+-":
                look += 1
            if look < end and text[look] in DIGITS:
                is_float = True
                pos = look
                while pos < end and text[pos] in DIGITS:
                    pos += 1
        raw = text[start:pos]
        self.pos = pos
        if pos < end and text[pos] in NAME_CHARS:
            bad_end = pos
            while bad_end < end and text[bad_end] in NAME_CHARS:
                bad_end += 1
            self.reporter.error(self.span(start, bad_end), f"malformed number `{text[start:bad_end]}`: expected digits only")
            self.pos = bad_end
        clean = raw.replace("_", "")
        self.add("NUMBER", raw, start, pos, number=float(clean) if is_float else int(clean))

    def string(self, quote: str) -> None:
        start = self.pos
        text, end = self.text, self.end
        pos = start + 1
        parts: list = []
        chunk: list[str] = []
        interpolate = quote == '"'
        while True:
            if pos >= end or text[pos] == "\n":
                self.reporter.error(
                    self.span(start, pos),
                    f"unterminated string: expected a closing `{quote}` before the end of the line",
                )
                break
            ch = text[pos]
            if ch == quote:
                pos += 1
                break
            if ch == "\\":
                if pos + 1 < end and text[pos + 1] in ESCAPES:
                    chunk.append(ESCAPES[text[pos + 1]])
                    pos += 2
                    continue
                if pos + 1 < end and text[pos + 1] == "u":
                    digits = text[pos + 2 : pos + 6]
                    if len(digits) == 4 and all(c in "0123456789abcdefABCDEF" for c in digits):
                        chunk.append(chr(int(digits, 16)))
                        pos += 6
                        continue
                self.reporter.error(
                    self.span(pos, pos + 2),
                    "unknown escape in string: expected one of \\n \\t \\r \\0 \\\\ \\\" \\' \\{ \\} \\uXXXX",
                )
                pos += 2
                continue
            if ch == "{" and interpolate:
                close = self.interpolation_end(pos + 1)
                if close is None:
                    self.reporter.error(
                        self.span(pos, pos + 1),
                        "unterminated interpolation: expected `}` to close the `{` in this string (write `\\{` for a literal brace)",
                    )
                    # end the string at its closing quote if the line has one, so the rest still parses
                    line_end = text.find("\n", pos, end)
                    line_end = end if line_end < 0 else line_end
                    close_quote = text.find(quote, pos, line_end)
                    pos = line_end if close_quote < 0 else close_quote + 1
                    break
                if chunk:
                    parts.append("".join(chunk))
                    chunk = []
                parts.append((pos + 1, close))
                pos = close + 1
                continue
            chunk.append(ch)
            pos += 1
        if chunk or not parts:
            parts.append("".join(chunk))
        self.pos = pos
        self.add("STRING", text[start:pos], start, pos, parts=parts)

    def interpolation_end(self, pos: int) -> int | None:
        """Offset of the `}` closing an interpolation opened just before `pos`, or None."""
        text, end = self.text, self.end
        depth = 0
        while pos < end and text[pos] != "\n":
            ch = text[pos]
            if ch in "\"'":
                # a string inside the interpolation: skip it whole
                close = pos + 1
                while close < end and text[close] not in (ch, "\n"):
                    close += 2 if text[close] == "\\" else 1
                if close >= end or text[close] != ch:
                    return None
                pos = close + 1
                continue
            if ch == "{":
                depth += 1
            elif ch == "}":
                if depth == 0:
                    return pos
                depth -= 1
            pos += 1
        return None

    def operator(self) -> None:
        start = self.pos
        for op in OPERATORS:
            if self.text.startswith(op, start) and start + len(op) <= self.end:
                self.pos = start + len(op)
                if op in "([{":
                    self.nesting.append(op)
                elif op in ")]}":
                    if self.nesting:
                        self.nesting.pop()
                self.add("OP", op, start, self.pos)
                return
        ch = self.text[start]
        self.reporter.error(self.span(start, start + 1), f"unexpected character `{ch}`: expected an expression, operator or statement")
        self.pos = start + 1


def tokenize(source: Source, reporter: Reporter, start: int = 0, end: int | None = None) -> list[Token]:
    return Lexer(source, reporter, start, end).tokenize()
