"""Tokens -> AST: statements and expressions of the Tova subset (edge statements live in edge.py).

Errors are recorded in the reporter and the parser resynchronises at the next statement, so one run
reports several independent mistakes instead of stopping at the first.
"""

from __future__ import annotations

from compiler import ast
from compiler.diagnostics import ParseError, Reporter
from compiler.edge import EdgeStatements
from compiler.lexer import Token, tokenize
from compiler.source import Source, Span

MAX_ERRORS = 25

ASSIGN_OPS = ("=", "+=", "-=", "*=", "/=", "%=")
COMPARISON = ("==", "!=", "<", "<=", ">", ">=")


class Parser(EdgeStatements):
    def __init__(self, source: Source, reporter: Reporter, tokens: list[Token] | None = None) -> None:
        self.source = source
        self.reporter = reporter
        self.tokens = tokens if tokens is not None else tokenize(source, reporter)
        self.pos = 0
        self.tok: Token = self.tokens[0]  # the current token, kept in step with `pos`

    # ── token helpers ─────────────────────────────────────────────────────────────────────────
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
        raise self.fail_here("the end of the statement (a new line)", hint)

    def javascript_habit(self) -> None:
        """Friendly errors for the JavaScript spellings people type first."""
        token, nxt = self.tok, self.peek()
        if token.kind != "IDENT" or not (nxt.kind == "IDENT" or nxt.is_op("{", "[")):
            return
        if token.value in ("let", "const"):
            raise self.fail(
                token.span,
                f"`{token.value}` is JavaScript: expected `{nxt.value} = value` (immutable) or `var {nxt.value} = value`",
            )
        if token.value == "function":
            raise self.fail(token.span, "`function` is JavaScript: expected `fn name(params) { ... }`")

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

    # ── program ─────────────────────────────────────────────────────────────────────────────────
    def parse_program(self) -> ast.Program:
        items: list = []
        start = self.tok.span
        self.skip_newlines()
        while self.tok.kind != "EOF" and not self.too_many_errors():
            if self.tok.is_op("}"):
                self.fail(self.tok.span, "unexpected `}`: no block is open here")
                self.advance()
                self.skip_newlines()
                continue
            try:
                item = self.parse_top_item()
                if item is not None:
                    items.append(item)
                self.end_statement()
            except ParseError:
                self.synchronize()
            self.skip_newlines()
        return ast.Program(start, items)

    def parse_top_item(self):
        token = self.tok
        if token.is_kw("shared"):
            return self.parse_shared()
        if token.is_kw("type"):
            return self.parse_type_decl()
        if token.is_kw("edge"):
            return self.parse_edge_block()
        if token.is_kw("fn") or (token.is_kw("async") and self.peek().is_kw("fn")):
            return self.parse_fn_decl()
        if token.kind == "IDENT" and self.peek().is_op("="):
            return self.parse_statement()
        self.javascript_habit()
        raise self.fail_here("`shared`, `type`, `edge`, `fn` or a constant (`NAME = value`) at the top level")

    def parse_shared(self) -> ast.Shared:
        start = self.advance().span
        open_brace = self.expect_op("{", "`{` after `shared`")
        types = []
        self.skip_newlines()
        while not self.tok.is_op("}"):
            if self.tok.kind == "EOF":
                raise self.fail(open_brace.span, "unclosed `{` of `shared`: expected `}` before the end of the file")
            try:
                if not self.tok.is_kw("type"):
                    raise self.fail_here("`type Name { ... }` inside `shared`")
                types.append(self.parse_type_decl())
                self.end_statement()
            except ParseError:
                self.synchronize()
            self.skip_newlines()
        end = self.advance().span
        return ast.Shared(start.to(end), types)

    def parse_type_decl(self) -> ast.TypeDecl:
        start = self.advance().span
        name = self.expect_ident("a type name after `type`")
        open_brace = self.expect_op("{", f"`{{` to list the fields of `{name.value}`")
        fields: list[ast.Field] = []
        seen: set[str] = set()
        self.skip_newlines()
        while not self.tok.is_op("}"):
            if self.tok.kind == "EOF":
                raise self.fail(open_brace.span, f"unclosed `{{` of type `{name.value}`: expected `}}` before the end of the file")
            field_name = self.expect_ident("a field name (`name: Type`)")
            self.expect_op(":", f"`:` and a type after the field `{field_name.value}`")
            field_type = self.parse_type_expr()
            if field_name.value in seen:
                self.reporter.error(field_name.span, f"duplicate field `{field_name.value}` in type `{name.value}`: expected each field once")
            seen.add(field_name.value)
            fields.append(ast.Field(field_name.span, field_name.value, field_type))
            if self.tok.is_op(","):
                self.advance()
            elif not (self.tok.kind == "NEWLINE" or self.tok.is_op("}")):
                raise self.fail_here("a new line or `,` after a field")
            self.skip_newlines()
        end = self.advance().span
        return ast.TypeDecl(start.to(end), name.value, fields)

    def parse_type_expr(self) -> str:
        if self.tok.is_op("["):
            self.advance()
            inner = self.parse_type_expr()
            self.expect_op("]", "`]` to close the list type")
            return f"[{inner}]"
        name = self.expect_ident("a type name (`String`, `Int`, `[T]` ...)")
        text = name.value
        if self.tok.is_op("<") or (self.tok.is_op("[") and self.tok.span.start == name.span.end):
            close = ">" if self.tok.value == "<" else "]"
            self.advance()
            args = [self.parse_type_expr()]
            while self.tok.is_op(","):
                self.advance()
                args.append(self.parse_type_expr())
            self.expect_op(close, f"`{close}` to close the type arguments")
            text += f"<{', '.join(args)}>"
        return text

    def parse_fn_decl(self) -> ast.FnDecl:
        start = self.tok.span
        is_async = False
        if self.tok.is_kw("async"):
            is_async = True
            self.advance()
        self.advance()  # fn
        name = self.expect_ident("a function name after `fn`")
        fn = self.parse_fn_rest(start, is_async, name.value)
        return ast.FnDecl(start.to(fn.span), name.value, fn)

    # ── functions ───────────────────────────────────────────────────────────────────────────────
    def parse_fn_rest(self, start: Span, is_async: bool, name: str | None) -> ast.Lambda:
        params = self.parse_params()
        if self.tok.is_op("=>"):
            self.advance()  # `fn(x) => x` is accepted as well as `fn(x) x`
        if self.tok.is_op("{"):
            body = self.parse_block()
        else:
            if self.tok.kind in ("NEWLINE", "EOF"):
                raise self.fail_here("a function body (`{ ... }` or an expression)")
            expr = self.parse_expr()
            body = ast.Block(expr.span, [ast.ExprStmt(expr.span, expr)])
        return ast.Lambda(start.to(body.span), params, body, is_async, name)

    def parse_params(self) -> list[ast.Param]:
        self.expect_op("(", "`(` to start the parameter list")
        params: list[ast.Param] = []
        while not self.tok.is_op(")"):
            start = self.tok.span
            rest = False
            if self.tok.is_op("..."):
                self.advance()
                rest = True
            target = self.parse_pattern("a parameter name")
            if self.tok.is_op(":"):
                self.advance()
                self.parse_type_expr()  # types are documentation here; JavaScript does not check them
            default = None
            if self.tok.is_op("="):
                self.advance()
                default = self.parse_expr()
            params.append(ast.Param(start, target, default, rest))
            if self.tok.is_op(","):
                self.advance()
            elif not self.tok.is_op(")"):
                raise self.fail_here("`,` or `)` in the parameter list")
        self.advance()
        return params

    def parse_pattern(self, what: str) -> ast.Pattern:
        token = self.tok
        if token.kind == "IDENT":
            self.advance()
            return ast.NamePattern(token.span, token.value)
        if token.is_op("{", "["):
            expr = self.parse_primary()
            return self.to_pattern(expr)
        hint = f"`{token.value}` is a keyword and cannot be used as a name" if token.kind == "KEYWORD" else None
        raise self.fail_here(what, hint)

    def to_pattern(self, expr) -> ast.Pattern:
        if isinstance(expr, ast.Name):
            return ast.NamePattern(expr.span, expr.name)
        if isinstance(expr, ast.Object):
            entries = []
            rest = None
            for prop in expr.props:
                if prop.spread:
                    if not isinstance(prop.value, ast.Name):
                        raise self.fail(prop.span, "expected a name after `...` in a destructuring pattern")
                    rest = ast.NamePattern(prop.value.span, prop.value.name)
                elif prop.computed is not None:
                    raise self.fail(prop.span, "expected a plain key in a destructuring pattern, not `[expr]`")
                else:
                    entries.append((prop.key, self.to_pattern(prop.value), None))
            return ast.ObjectPattern(expr.span, entries, rest)
        if isinstance(expr, ast.Array):
            items = []
            rest = None
            for item in expr.items:
                if isinstance(item, ast.Spread):
                    if not isinstance(item.value, ast.Name):
                        raise self.fail(item.span, "expected a name after `...` in a destructuring pattern")
                    rest = ast.NamePattern(item.value.span, item.value.name)
                elif isinstance(item, ast.Name) and item.name == "_":
                    items.append(None)
                else:
                    items.append(self.to_pattern(item))
            return ast.ArrayPattern(expr.span, items, rest)
        raise self.fail(expr.span, "expected a name, `{ a, b }` or `[a, b]` on the left of `=`")

    # ── blocks and statements ───────────────────────────────────────────────────────────────────
    def parse_block(self, what: str = "a block") -> ast.Block:
        open_brace = self.expect_op("{", f"`{{` to start {what}")
        body: list = []
        self.skip_newlines()
        while not self.tok.is_op("}"):
            if self.tok.kind == "EOF":
                raise self.fail(
                    open_brace.span,
                    "unclosed `{`: expected a matching `}` before the end of the file",
                )
            if self.too_many_errors():
                raise ParseError("too many errors")
            try:
                body.append(self.parse_statement())
                self.end_statement()
            except ParseError:
                self.synchronize()
            self.skip_newlines()
        end = self.advance().span
        return ast.Block(open_brace.span.to(end), body)

    def parse_statement(self):
        token = self.tok
        if token.kind == "KEYWORD":
            word = token.value
            if word == "var":
                self.advance()
                target = self.parse_pattern("a name after `var`")
                self.expect_op("=", f"`=` and a value after `var {getattr(target, 'name', '...')}`")
                value = self.parse_expr()
                return ast.Let(token.span.to(value.span), target, value, True)
            if word == "fn" and self.peek().kind == "IDENT":
                return self.parse_fn_decl()
            if word == "async" and self.peek().is_kw("fn") and self.peek(2).kind == "IDENT":
                return self.parse_fn_decl()
            if word == "return":
                self.advance()
                if self.tok.kind in ("NEWLINE", "EOF") or self.tok.is_op("}", ";"):
                    return ast.Return(token.span, None)
                value = self.parse_expr()
                return ast.Return(token.span.to(value.span), value)
            if word == "throw":
                self.advance()
                value = self.parse_expr()
                return ast.Throw(token.span.to(value.span), value)
            if word == "if":
                node = self.parse_if()
                return ast.If(node.span, node.branches, node.orelse)
            if word == "for":
                return self.parse_for()
            if word == "while":
                self.advance()
                cond = self.parse_expr()
                body = self.parse_block("the body of `while`")
                return ast.While(token.span.to(body.span), cond, body)
            if word == "break":
                self.advance()
                return ast.Break(token.span)
            if word == "continue":
                self.advance()
                return ast.Continue(token.span)
            if word == "try":
                return self.parse_try()
            if word == "match":
                match = self.parse_match()
                return ast.MatchStmt(match.span, match)
            if word in ("else", "elif"):
                raise self.fail(token.span, f"`{word}` without an `if`: expected it right after the `}}` of an `if` block")
            if word in ("catch", "finally"):
                raise self.fail(token.span, f"`{word}` without a `try`: expected it right after the `}}` of a `try` block")
        self.javascript_habit()
        expr = self.parse_expr()
        if self.tok.kind == "OP" and self.tok.value in ASSIGN_OPS:
            op = self.advance()
            value = self.parse_expr()
            span = expr.span.to(value.span)
            if isinstance(expr, (ast.Member, ast.Index)):
                if expr.optional:
                    raise self.fail(expr.span, "cannot assign through `?.`: expected a plain `.` or `[...]` target")
                return ast.Assign(span, expr, op.value, value)
            if op.value != "=":
                if not isinstance(expr, ast.Name):
                    raise self.fail(expr.span, f"expected a name, member or index on the left of `{op.value}`")
                return ast.Assign(span, expr, op.value, value)
            return ast.Let(span, self.to_pattern(expr), value, False)
        return ast.ExprStmt(expr.span, expr)

    def parse_if(self) -> ast.IfExpr:
        start = self.advance().span  # if
        cond = self.parse_expr()
        then = self.parse_block("the body of `if`")
        branches = [(cond, then)]
        orelse = None
        end = then.span
        while True:
            nxt = self.next_significant()
            if nxt.is_kw("elif"):
                self.skip_newlines()
                self.advance()
                cond = self.parse_expr()
                block = self.parse_block("the body of `elif`")
                branches.append((cond, block))
                end = block.span
                continue
            if nxt.is_kw("else"):
                self.skip_newlines()
                else_token = self.advance()
                if self.tok.is_kw("if"):
                    # a common slip from other languages: say what Tova wants, then read on as `elif`
                    if_token = self.advance()
                    self.reporter.error(
                        else_token.span.to(if_token.span),
                        "expected `elif` for another condition, found `else if`",
                        "Tova spells it `elif cond { ... }`",
                    )
                    cond = self.parse_expr()
                    block = self.parse_block("the body of `elif`")
                    branches.append((cond, block))
                    end = block.span
                    continue
                orelse = self.parse_block("the body of `else`")
                end = orelse.span
            break
        return ast.IfExpr(start.to(end), branches, orelse)

    def parse_for(self) -> ast.For:
        start = self.advance().span
        targets = [self.parse_pattern("a loop variable after `for`")]
        if self.tok.is_op(","):
            self.advance()
            targets.append(self.parse_pattern("a second loop variable after `,`"))
        if not self.tok.is_kw("in"):
            raise self.fail_here("`in` after the loop variable (`for x in items { ... }`)")
        self.advance()
        iterable = self.parse_expr()
        body = self.parse_block("the body of `for`")
        return ast.For(start.to(body.span), targets, iterable, body)

    def parse_try(self) -> ast.Try:
        start = self.advance().span
        body = self.parse_block("the body of `try`")
        catch_name = None
        catch_body = None
        finally_body = None
        end = body.span
        if self.next_significant().is_kw("catch"):
            self.skip_newlines()
            self.advance()
            if self.tok.is_op("("):
                self.advance()
                catch_name = self.expect_ident("the error's name in `catch (err)`").value
                self.expect_op(")", "`)` after the error's name")
            elif self.tok.kind == "IDENT":
                catch_name = self.advance().value
            catch_body = self.parse_block("the body of `catch`")
            end = catch_body.span
        if self.next_significant().is_kw("finally"):
            self.skip_newlines()
            self.advance()
            finally_body = self.parse_block("the body of `finally`")
            end = finally_body.span
        if catch_body is None and finally_body is None:
            raise self.fail(start, "expected `catch` or `finally` after the `try` block")
        return ast.Try(start.to(end), body, catch_name, catch_body, finally_body)

    def parse_match(self) -> ast.Match:
        start = self.advance().span
        subject = self.parse_expr()
        open_brace = self.expect_op("{", "`{` to start the arms of `match`")
        arms: list[ast.MatchArm] = []
        self.skip_newlines()
        while not self.tok.is_op("}"):
            if self.tok.kind == "EOF":
                raise self.fail(open_brace.span, "unclosed `{` of `match`: expected `}` before the end of the file")
            arm_start = self.tok.span
            patterns = [self.parse_match_pattern()]
            while self.tok.is_op("|"):
                self.advance()
                patterns.append(self.parse_match_pattern())
            guard = None
            if self.tok.is_kw("if"):
                self.advance()
                guard = self.parse_expr()
            self.expect_op("=>", "`=>` after the pattern of a match arm")
            if self.tok.is_op("{") and not self.looks_like_object():
                body = self.parse_block("the body of a match arm")
            else:
                value = self.parse_expr()
                body = ast.Block(value.span, [ast.ExprStmt(value.span, value)])
            arms.append(ast.MatchArm(arm_start.to(body.span), patterns, guard, body))
            if self.tok.is_op(","):
                self.advance()
            elif not (self.tok.kind == "NEWLINE" or self.tok.is_op("}")):
                raise self.fail_here("a new line, `,` or `}` after a match arm")
            self.skip_newlines()
        end = self.advance().span
        if not arms:
            raise self.fail(start, "expected at least one arm in `match` (`value => result`)")
        return ast.Match(start.to(end), subject, arms)

    def parse_match_pattern(self):
        token = self.tok
        if token.kind == "IDENT":
            self.advance()
            return None if token.value == "_" else ast.Name(token.span, token.value)
        if token.kind in ("NUMBER", "STRING") or token.is_kw("true", "false", "nil") or token.is_op("-"):
            expr = self.parse_unary()
            if isinstance(expr, ast.String) and any(not isinstance(p, str) for p in expr.parts):
                raise self.fail(expr.span, "expected a plain string in a match pattern, without `{...}`")
            if isinstance(expr, ast.Unary) and not isinstance(expr.operand, ast.Number):
                raise self.fail(expr.span, "expected a number after `-` in a match pattern")
            return expr
        raise self.fail_here("a match pattern (a number, string, `true`, `false`, `nil`, a name or `_`)")

    def looks_like_object(self) -> bool:
        """After `=>`: is this `{` an object literal (`{ a: 1 }`, `{ ...x }`) rather than a block?"""
        pos = self.pos + 1
        while self.tokens[pos].kind == "NEWLINE":
            pos += 1
        first, second = self.tokens[pos], self.tokens[pos + 1] if pos + 1 < len(self.tokens) else self.tokens[-1]
        if first.is_op("..."):
            return True
        return first.kind in ("IDENT", "STRING", "KEYWORD") and second.is_op(":", ",")

    # ── expressions ─────────────────────────────────────────────────────────────────────────────
    def parse_expr(self):
        return self.parse_pipe()

    def parse_pipe(self):
        left = self.parse_binary()
        while self.tok.is_op("|>") or self.continues_on_next_line("|>"):
            self.skip_newlines()
            self.advance()
            self.skip_newlines()
            target = self.parse_binary()
            if not isinstance(target, (ast.Name, ast.Member, ast.Call, ast.Lambda, ast.Index)):
                raise self.fail(target.span, "expected a function or a call after `|>`")
            left = ast.Pipe(left.span.to(target.span), left, target)
        return left

    # binary operators: token -> (precedence, AST operator); `not` sits between `and` and comparisons
    BINARY = {
        "??": (1, "??"),
        "or": (2, "or"), "||": (2, "or"),
        "and": (3, "and"), "&&": (3, "and"),
        **{op: (5, op) for op in COMPARISON},
        "+": (6, "+"), "-": (6, "-"),
        "*": (7, "*"), "/": (7, "/"), "%": (7, "%"),
    }
    NOT_PRECEDENCE = 4

    def parse_binary(self, min_prec: int = 1):
        """Precedence climbing: one loop per level actually used, not one call per level."""
        token = self.tok
        if token.kind == "KEYWORD" and token.value == "not":
            self.advance()
            operand = self.parse_binary(self.NOT_PRECEDENCE)
            left = ast.Unary(token.span.to(operand.span), "not", operand)
        else:
            left = self.parse_power()
        binary = self.BINARY
        while True:
            token = self.tok
            if token.kind != "OP" and token.kind != "KEYWORD":
                return left
            entry = binary.get(token.value)
            if entry is None or entry[0] < min_prec:
                return left
            prec, op = entry
            self.advance()
            if op in ("==", "!=") and self.tok.is_op("=") and self.tok.span.start == token.span.end:
                raise self.fail(token.span.to(self.tok.span), f"`{op}=` is JavaScript: expected `{op}`, which is already strict in Tova")
            self.skip_newlines()
            right = self.parse_binary(prec + 1)
            if prec == 5:
                following = self.tok
                if following.kind == "OP" and following.value in COMPARISON:
                    raise self.fail(following.span, "comparisons do not chain: expected `a < b and b < c` instead of `a < b < c`")
            left = ast.Binary(left.span.to(right.span), op, left, right)

    def parse_power(self):
        base = self.parse_unary()
        if self.tok.is_op("**"):
            self.advance()
            self.skip_newlines()
            exponent = self.parse_power()  # right-associative
            return ast.Binary(base.span.to(exponent.span), "**", base, exponent)
        return base

    def parse_unary(self):
        token = self.tok
        if token.is_op("-", "+", "!"):
            self.advance()
            operand = self.parse_unary()
            if token.value == "-" and isinstance(operand, ast.Number):
                return ast.Number(token.span.to(operand.span), -operand.value, "-" + operand.raw)
            return ast.Unary(token.span.to(operand.span), "not" if token.value == "!" else token.value, operand)
        if token.is_kw("await"):
            self.advance()
            operand = self.parse_unary()
            return ast.Await(token.span.to(operand.span), operand)
        return self.parse_postfix(self.parse_primary())

    def parse_postfix(self, expr):
        while True:
            token = self.tok
            if token.is_op("("):
                args, end = self.parse_args()
                expr = ast.Call(expr.span.to(end), expr, args)
            elif token.is_op(".") or token.is_op("?.") or self.continues_on_next_line(".", "?."):
                self.skip_newlines()
                dot = self.advance()
                optional = dot.value == "?."
                if optional and self.tok.is_op("["):
                    self.advance()
                    index = self.parse_expr()
                    end = self.expect_op("]", "`]` to close the index")
                    expr = ast.Index(expr.span.to(end.span), expr, index, True)
                    continue
                if self.tok.kind not in ("IDENT", "KEYWORD"):
                    raise self.fail_here(f"a property name after `{dot.value}`")
                name = self.advance()
                if name.value == "new" and not optional and self.tok.is_op("("):
                    args, end = self.parse_args()
                    expr = ast.New(expr.span.to(end), expr, args)
                else:
                    expr = ast.Member(expr.span.to(name.span), expr, name.value, optional)
            elif token.is_op("[") and token.span.start == expr.span.end:
                # `a[0]` indexes; `a [0]` on purpose would be a list after a name, which Tova lacks anyway
                self.advance()
                index = self.parse_expr()
                end = self.expect_op("]", "`]` to close the index")
                expr = ast.Index(expr.span.to(end.span), expr, index, False)
            else:
                return expr

    def parse_args(self):
        open_paren = self.advance()
        args: list = []
        while not self.tok.is_op(")"):
            if self.tok.kind == "EOF":
                raise self.fail(open_paren.span, "unclosed `(`: expected a matching `)` before the end of the file")
            if self.tok.is_op("..."):
                start = self.advance()
                value = self.parse_expr()
                args.append(ast.Spread(start.span.to(value.span), value))
            else:
                args.append(self.parse_expr())
            if self.tok.is_op(","):
                self.advance()
            elif not self.tok.is_op(")"):
                raise self.fail_here("`,` or `)` in the argument list")
        end = self.advance()
        return args, end.span

    def parse_primary(self):
        token = self.tok
        kind = token.kind
        if kind == "NUMBER":
            self.advance()
            return ast.Number(token.span, token.number, token.value)
        if kind == "STRING":
            self.advance()
            return self.string_node(token)
        if kind == "IDENT":
            self.advance()
            return ast.Name(token.span, token.value)
        if kind == "KEYWORD":
            word = token.value
            if word in ("true", "false"):
                self.advance()
                return ast.Bool(token.span, word == "true")
            if word == "nil":
                self.advance()
                return ast.Nil(token.span)
            if word == "fn":
                self.advance()
                name = self.advance().value if self.tok.kind == "IDENT" else None
                return self.parse_fn_rest(token.span, False, name)
            if word == "async" and self.peek().is_kw("fn"):
                self.advance()
                self.advance()
                name = self.advance().value if self.tok.kind == "IDENT" else None
                return self.parse_fn_rest(token.span, True, name)
            if word == "if":
                return self.parse_if()
            if word == "match":
                return self.parse_match()
        if kind == "OP":
            if token.value == "(":
                self.advance()
                self.skip_newlines()
                expr = self.parse_expr()
                self.skip_newlines()
                self.expect_op(")", "`)` to close the parenthesis")
                return expr
            if token.value == "[":
                return self.parse_array()
            if token.value == "{":
                return self.parse_object()
        hint = None
        if kind == "KEYWORD":
            hint = f"`{token.value}` is a keyword and cannot be used as a value here"
        raise self.fail_here("an expression", hint)

    def string_node(self, token: Token) -> ast.String:
        parts: list = []
        for part in token.parts:
            if isinstance(part, str):
                parts.append(part)
                continue
            start, end = part
            inner_tokens = tokenize(self.source, self.reporter, start, end)
            inner = Parser(self.source, self.reporter, inner_tokens)
            inner.skip_newlines()
            if inner.tok.kind == "EOF":
                raise self.fail(self.source.span(start - 1, end + 1), "empty interpolation `{}`: expected an expression (write `\\{` for a literal brace)")
            expr = inner.parse_expr()
            inner.skip_newlines()
            if inner.tok.kind != "EOF":
                raise inner.fail_here("the end of the interpolation `}`")
            parts.append(expr)
        return ast.String(token.span, parts)

    def parse_array(self) -> ast.Array:
        open_bracket = self.advance()
        items: list = []
        while not self.tok.is_op("]"):
            if self.tok.kind == "EOF":
                raise self.fail(open_bracket.span, "unclosed `[`: expected a matching `]` before the end of the file")
            if self.tok.is_op("..."):
                start = self.advance()
                value = self.parse_expr()
                items.append(ast.Spread(start.span.to(value.span), value))
            else:
                items.append(self.parse_expr())
            if self.tok.is_op(","):
                self.advance()
            elif not self.tok.is_op("]"):
                raise self.fail_here("`,` or `]` in the list")
        end = self.advance()
        return ast.Array(open_bracket.span.to(end.span), items)

    def parse_object(self) -> ast.Object:
        open_brace = self.advance()
        props: list[ast.Property] = []
        self.skip_newlines()
        while not self.tok.is_op("}"):
            token = self.tok
            if token.kind == "EOF":
                raise self.fail(open_brace.span, "unclosed `{`: expected a matching `}` before the end of the file")
            if token.is_op("..."):
                self.advance()
                value = self.parse_expr()
                props.append(ast.Property(token.span.to(value.span), None, value, spread=True))
            elif token.is_op("["):
                self.advance()
                key_expr = self.parse_expr()
                self.expect_op("]", "`]` to close the computed key")
                self.expect_op(":", "`:` and a value after the computed key")
                self.skip_newlines()
                value = self.parse_expr()
                props.append(ast.Property(token.span.to(value.span), None, value, computed=key_expr))
            elif token.kind in ("IDENT", "KEYWORD", "STRING", "NUMBER"):
                self.advance()
                if token.kind == "STRING":
                    if any(not isinstance(p, str) for p in token.parts):
                        raise self.fail(token.span, "expected a plain string as an object key; use `[\"...{x}\"]: value` for a computed key")
                    key = self.string_value(token)
                else:
                    key = token.value
                if self.tok.is_op(":"):
                    self.advance()
                    self.skip_newlines()
                    value = self.parse_expr()
                    props.append(ast.Property(token.span.to(value.span), key, value))
                elif token.kind == "IDENT":
                    props.append(ast.Property(token.span, key, ast.Name(token.span, key), shorthand=True))
                else:
                    raise self.fail_here(f"`:` and a value after the key {token.describe()}")
            else:
                raise self.fail_here("a key (`name: value`), a name or `...spread` in the object")
            if self.tok.is_op(","):
                self.advance()
            elif not (self.tok.kind == "NEWLINE" or self.tok.is_op("}")):
                raise self.fail_here("`,`, a new line or `}` in the object")
            self.skip_newlines()
        end = self.advance()
        return ast.Object(open_brace.span.to(end.span), props)


def parse(source: Source, reporter: Reporter) -> ast.Program:
    return Parser(source, reporter).parse_program()
