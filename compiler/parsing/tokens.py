"""The parser's footing: moving over tokens, expecting them, reporting and recovering from errors.

Errors are recorded in the reporter and the parser resynchronises at the next statement, so one run
reports several independent mistakes instead of stopping at the first.
"""

from __future__ import annotations

from compiler.diagnostics import ParseError, Reporter
from compiler.lexer import Token, tokenize
from compiler.source import Source, Span

MAX_ERRORS = 25
MAX_NESTING = 1000  # levels of brackets and blocks; the compiler's deep stack holds far more

# Words of other languages (and of parts of Tova this compiler does not build) that would otherwise
# parse as a name followed by something else and give a confusing error further on.
FOREIGN_WORDS = {
    "let": "`let` is JavaScript: expected `{name} = value` (immutable) or `var {name} = value`",
    "const": "`const` is JavaScript: expected `{name} = value` (immutable) or `var {name} = value`",
    "function": "`function` is JavaScript: expected `fn name(params) { ... }`",
    "mut": "`mut` is not Tova: expected `var {name} = value` for a reassignable variable",
    "pub": "`pub` (exports) is not supported: every function in an edge program is private to its worker",
    "export": "`export` is not supported: every function in an edge program is private to its worker",
    "import": "`import` is not supported: an edge program is one file; use the platform globals and bindings",
    "loop": "`loop { }` is not supported: expected `while true { ... }`",
    "guard": "`guard ... else { }` is not supported: expected `if not (cond) { ... }`",
    "defer": "`defer` is not supported: expected `try { ... } finally { ... }`",
    "with": "`with` blocks are not supported: expected `try { ... } finally { ... }`",
    "yield": "generators (`yield`) are not supported: expected a function that returns a list",
    "interface": "`interface` is not supported: expected `type Name { field: Type }`",
    "trait": "`trait` is not supported: expected `type Name { field: Type }` and plain functions",
    "impl": "`impl` blocks are not supported: expected plain functions that take the value",
    "extern": "`extern` is not supported: the platform globals need no declaration",
    "class": "`class` is not supported: expected `type Name { field: Type }` and plain functions",
    "when": "`when` is not supported: expected `match value { pattern => result }` or `if`",
}


class TokenStream:
    """Mixed into the Parser: the current token and the moves over the token list."""

    def __init__(self, source: Source, reporter: Reporter, tokens: list[Token] | None = None) -> None:
        self.source = source
        self.reporter = reporter
        self.tokens = tokens if tokens is not None else tokenize(source, reporter)
        self.pos = 0
        self.tok: Token = self.tokens[0]  # the current token, kept in step with `pos`
        self.depth = 0  # nesting of expressions and blocks being parsed

    def peek(self, ahead: int = 1) -> Token:
        return self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tok
        if token.kind != "EOF":
            self.pos += 1
            self.tok = self.tokens[self.pos]
        return token

    def skip_newlines(self) -> None:
        tok = self.tok
        while tok.kind == "NEWLINE" or (tok.kind == "OP" and tok.value == ";"):
            self.pos += 1
            tok = self.tok = self.tokens[self.pos]

    def next_significant(self) -> Token:
        """The next token that is not a newline, without moving."""
        pos = self.pos
        while self.tokens[pos].kind == "NEWLINE":
            pos += 1
        return self.tokens[pos]

    def continues_on_next_line(self, *ops: str) -> bool:
        """A line starting with `.method` or `|> f` continues the expression above it."""
        if self.tok.kind != "NEWLINE":
            return False
        nxt = self.next_significant()
        return nxt.kind == "OP" and nxt.value in ops

    def brace_follows(self) -> bool:
        """Is the next `{` here or at the start of the next line (`fn f()` then `{` below it)?"""
        return self.tok.is_op("{") or (self.tok.kind == "NEWLINE" and self.next_significant().is_op("{"))

    def open_brace(self, expected: str) -> Token:
        """`{` opening a block, allowed on the line after its header as well."""
        if self.tok.kind == "NEWLINE" and self.next_significant().is_op("{"):
            self.skip_newlines()
        return self.expect_op("{", expected)

    def nested(self):
        """Count one more level of nesting; past MAX_NESTING, refuse at the token where it happens."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            self.depth -= 1
            raise self.fail(self.tok.span, f"the program nests too deeply here: expected at most {MAX_NESTING} levels of brackets and blocks")

    def fail(self, span: Span, message: str, hint: str | None = None) -> ParseError:
        if len(self.reporter.diagnostics) < MAX_ERRORS:
            self.reporter.error(span, message, hint)
        return ParseError(message)

    def fail_here(self, expected: str, hint: str | None = None) -> ParseError:
        return self.fail(self.tok.span, f"expected {expected}, found {self.tok.describe()}", hint)

    def expect_op(self, op: str, expected: str | None = None) -> Token:
        if self.tok.is_op(op):
            return self.advance()
        raise self.fail_here(expected or f"`{op}`")

    def expect_ident(self, what: str) -> Token:
        if self.tok.kind == "IDENT":
            return self.advance()
        hint = None
        if self.tok.kind == "KEYWORD":
            hint = f"`{self.tok.value}` is a keyword and cannot be used as a name"
        raise self.fail_here(what, hint)

    def expect_string(self, what: str) -> Token:
        if self.tok.kind == "STRING":
            token = self.advance()
            if any(not isinstance(part, str) for part in token.parts):
                raise self.fail(token.span, f"expected {what} without `{{...}}` interpolation")
            return token
        raise self.fail_here(what)

    @staticmethod
    def string_value(token: Token) -> str:
        return "".join(part for part in token.parts if isinstance(part, str))

    def end_statement(self) -> None:
        if self.tok.kind in ("NEWLINE", "EOF") or self.tok.is_op(";", "}"):
            return
        hint = "lambdas are written `fn(x) x + 1` or `fn(x) { ... }`" if self.tok.is_op("=>") else None
        raise self.fail_here("the end of the statement (a new line or `;`)", hint)

    def refuse_foreign(self) -> None:
        """Name what was typed when it is another language's statement word (`let x`, `loop {`)."""
        token, nxt = self.tok, self.peek()
        if token.kind != "IDENT" or token.value not in FOREIGN_WORDS or nxt.span.line != token.span.line:
            return
        if nxt.kind in ("IDENT", "STRING", "NUMBER") or nxt.is_op("{", "[") or nxt.is_kw("fn", "type", "async"):
            name = nxt.value if nxt.kind == "IDENT" else "name"
            raise self.fail(token.span, FOREIGN_WORDS[token.value].replace("{name}", name))

    def synchronize(self) -> None:
        """Skip to the start of the next statement at this nesting level."""
        depth = 0
        start = self.pos
        while self.tok.kind != "EOF":
            token = self.tok
            if token.kind == "OP" and token.value in "({[":
                depth += 1
            elif token.kind == "OP" and token.value in ")]}":
                if depth == 0:
                    if token.value == "}":
                        break
                else:
                    depth -= 1
            elif token.kind == "NEWLINE" and depth == 0:
                break
            self.advance()
        if self.pos == start and self.tok.kind != "EOF" and not self.tok.is_op("}"):
            self.advance()

    def too_many_errors(self) -> bool:
        return len(self.reporter.diagnostics) >= MAX_ERRORS
