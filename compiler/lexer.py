"""Tokens from Tova source text.

Newlines end statements, so the lexer emits NEWLINE tokens, except inside `(...)` and `[...]` where an
expression may span lines freely. Braces can open a block or an object literal, which only the parser
can tell apart, so the parser skips newlines inside object literals itself.

A double-quoted string with `{expr}` pieces becomes one STRING token whose `parts` hold the literal text
and the offsets of each embedded expression; the parser lexes and parses those slices in place, so
errors inside an interpolation still point at the right column.
"""

from __future__ import annotations

import re

from compiler.diagnostics import Reporter
from compiler.source import Source, Span

KEYWORDS = frozenset(
    """fn async await return if elif else for in while break continue try catch finally match var
    and or not nil true false throw shared type edge""".split()
)

OPERATORS = """=> |> ?. ?? ... ..= .. -> ++ == != <= >= && || += -= *= /= %= ** + - * / % < > = ! . , : ( ) [ ] { } ; |""".split()
# looked up by length, longest first, so `|>` wins over `|` and `...` over `.`
OPERATORS_BY_LENGTH = tuple(frozenset(op for op in OPERATORS if len(op) == n) for n in (3, 2, 1))

# ASCII only: JavaScript must accept every name we emit, and `²` is a digit to Python but not to JS
DIGITS = frozenset("0123456789")
NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
NAME_CHARS = NAME_START | DIGITS

# One pass of a compiled pattern per token; numbers, strings and block comments have their own readers.
SCANNER = re.compile(
    r"[ \t\r]*(?:(?P<nl>\n)|(?P<comment>//[^\n]*)|(?P<block>/\*)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    # fast paths for the common cases; anything else goes to the careful readers below
    r"|(?P<int>[0-9]+)(?![0-9A-Za-z_.])|(?P<plain>\"[^\"\\\n{}]*\"(?!\")|'[^'\\\n]*'(?!'))"
    r"|(?P<num>[0-9])|(?P<str>[\"'])"
    r"|(?P<op>\.\.\.|\.\.=|\.\.|=>|\|>|\?\.|\?\?|->|\+\+|==|!=|<=|>=|&&|\|\||\+=|-=|\*=|/=|%=|\*\*|[-+*/%<>=!.,:()\[\]{};|])"
    r"|(?P<end>\Z))"
)


# characters that start a construct of another language, or of Tova outside this compiler's subset
UNEXPECTED = {
    "@": "decorators (`@name`) are not supported: expected plain functions",
    "?": "`?` error propagation is not supported: expected `try { ... } catch err { ... }` or a `nil` check",
    "#": "`#` does not start a comment in Tova: expected `//`",
    "`": "backtick strings are JavaScript: expected \"...{expr}...\", which interpolates",
    "&": "bitwise `&` is not supported: expected `and`, or Math functions",
    "^": "bitwise `^` is not supported: expected `**` for a power",
    "~": "bitwise `~` is not supported",
    "$": "`$` is not part of a Tova name: expected letters, digits and `_`",
}

STRING_PREFIXES = frozenset("rfbu")

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
        # line bookkeeping as we go: cheaper than a lookup per token
        self.line, col = source.line_col(start)
        self.line_start = start - (col - 1)

    def span(self, start: int, end: int) -> Span:
        return Span(start, end, self.line, start - self.line_start + 1)

    def newline_at(self, offset: int) -> None:
        self.line += 1
        self.line_start = offset + 1

    def add(self, kind: str, value: str, start: int, end: int, **extra) -> Token:
        token = Token(kind, value, self.span(start, end), **extra)
        self.tokens.append(token)
        return token

    def tokenize(self) -> list[Token]:
        text, end = self.text, self.end
        tokens = self.tokens
        nesting = self.nesting
        match_at = SCANNER.match
        while self.pos < end:
            found = match_at(text, self.pos, end)
            if found is None:
                self.pos = len(text[self.pos:end]) - len(text[self.pos:end].lstrip(" \t\r")) + self.pos
                self.operator()  # reports the unexpected character
                continue
            kind = found.lastgroup
            pos = found.start(kind)  # after the leading blanks, which every pattern skips
            self.pos = pos
            stop = found.end()
            if kind == "name":
                value = found.group(kind)
                if value in STRING_PREFIXES and stop < end and text[stop] in "\"'":
                    self.prefixed_string(value, pos, stop)
                    continue
                tokens.append(Token("KEYWORD" if value in KEYWORDS else "IDENT", value, Span(pos, stop, self.line, pos - self.line_start + 1)))
                self.pos = stop
            elif kind == "comment" or kind == "end":
                self.pos = stop
            elif kind == "int":
                value = found.group(kind)
                tokens.append(Token("NUMBER", value, Span(pos, stop, self.line, pos - self.line_start + 1), None, int(value)))
                self.pos = stop
            elif kind == "plain":
                value = found.group(kind)
                tokens.append(Token("STRING", value, Span(pos, stop, self.line, pos - self.line_start + 1), [value[1:-1]]))
                self.pos = stop
            elif kind == "op":
                op = found.group(kind)
                if op in "([{":
                    nesting.append(op)
                elif op in ")]}" and nesting:
                    nesting.pop()
                tokens.append(Token("OP", op, Span(pos, stop, self.line, pos - self.line_start + 1)))
                self.pos = stop
            elif kind == "nl":
                if not nesting or nesting[-1] == "{":
                    if tokens and tokens[-1].kind != "NEWLINE":
                        self.add("NEWLINE", "\n", pos, pos + 1)
                self.newline_at(pos)
                self.pos = stop
            elif kind == "num":
                self.number()
            elif kind == "str":
                self.string(text[pos])
            else:  # block comment
                close = text.find("*/", pos + 2, end)
                if close < 0:
                    self.reporter.error(self.span(pos, pos + 2), "unterminated comment: expected `*/` before the end of the file")
                    self.pos = end
                else:
                    for offset in range(pos, close):
                        if text[offset] == "\n":
                            self.newline_at(offset)
                    self.pos = close + 2
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
        if text.startswith(quote * 3, start):
            close = text.find(quote * 3, start + 3, end)
            stop = end if close < 0 else close + 3
            self.reporter.error(self.span(start, start + 3), f"triple-quoted strings are not supported: expected one line per string, joined with \"\\n\"")
            token = Token("STRING", text[start:stop], self.span(start, stop), [""])
            for offset in range(start, stop):
                if text[offset] == "\n":
                    self.newline_at(offset)
            self.pos = stop
            self.tokens.append(token)
            return
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
                        code = int(digits, 16)
                        if 0xD800 <= code <= 0xDFFF:
                            self.reporter.error(self.span(pos, pos + 6), "`\\u" + digits + "` is half of a surrogate pair: expected a whole character (write it directly)")
                        else:
                            chunk.append(chr(code))
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

    def prefixed_string(self, prefix: str, start: int, quote_at: int) -> None:
        r"""`r"..."`, `f"..."`, `b"..."` of other languages (and upstream Tova's raw strings): refused,
        and skipped whole so that their contents (`\d`, braces) raise no errors of their own."""
        text, end = self.text, self.end
        line_end = text.find("\n", quote_at, end)
        line_end = end if line_end < 0 else line_end
        close = text.find(text[quote_at], quote_at + 1, line_end)
        stop = line_end if close < 0 else close + 1
        self.reporter.error(
            self.span(start, stop),
            f"`{prefix}\"...\"` strings are not supported: expected a plain \"...\" string (it interpolates `{{expr}}`; write `\\{{` for a brace)",
        )
        self.add("STRING", text[start:stop], start, stop, parts=[text[quote_at + 1 : stop - 1]])
        self.pos = stop

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
        text = self.text
        for length, ops in zip((3, 2, 1), OPERATORS_BY_LENGTH):
            op = text[start : start + length]
            if op in ops and start + length <= self.end:
                self.pos = start + length
                if op in "([{":
                    self.nesting.append(op)
                elif op in ")]}":
                    if self.nesting:
                        self.nesting.pop()
                self.add("OP", op, start, self.pos)
                return
        ch = text[start]
        self.reporter.error(
            self.span(start, start + 1),
            UNEXPECTED.get(ch, f"unexpected character `{ch}`: expected an expression, operator or statement"),
        )
        self.pos = start + 1


def tokenize(source: Source, reporter: Reporter, start: int = 0, end: int | None = None) -> list[Token]:
    return Lexer(source, reporter, start, end).tokenize()
