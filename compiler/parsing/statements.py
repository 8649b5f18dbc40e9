"""Functions, blocks and statements: `fn`, `if`/`elif`/`else`, `for`, `while`, `try`, `match`, `x = e`.

A block's opening brace may stand on the line after its header (`fn f()` then `{`), and statements on
one line are separated by `;`.
"""

from __future__ import annotations

from compiler import ast
from compiler.diagnostics import ParseError
from compiler.source import Span

ASSIGN_OPS = ("=", "+=", "-=", "*=", "/=", "%=")


class Statements:
    """Mixed into the Parser."""

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

    def parse_fn_rest(self, start: Span, is_async: bool, name: str | None) -> ast.Lambda:
        params = self.parse_params()
        if self.tok.is_op("->"):
            self.advance()
            self.parse_type_expr()  # the return type is documentation here, like parameter types
        if self.tok.is_op("=>"):
            self.advance()  # `fn(x) => x` is accepted as well as `fn(x) x`
        if self.brace_follows():
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

    def parse_block(self, what: str = "a block") -> ast.Block:
        open_brace = self.open_brace(f"`{{` to start {what}")
        self.nested()
        try:
            return self.parse_block_body(open_brace)
        finally:
            self.depth -= 1

    def parse_block_body(self, open_brace) -> ast.Block:
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
        self.refuse_foreign()
        if token.kind == "IDENT" and self.peek().is_op(":") and self.peek(2).is_kw("for", "while"):
            raise self.fail(token.span, f"labeled loops (`{token.value}: for`) are not supported: expected a flag `var` and `break`")
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
        open_brace = self.open_brace("`{` to start the arms of `match`")
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
        if token.kind == "STRING" and self.peek().is_op("++"):
            prefix = self.expect_string("a plain string before `++` in a match pattern")
            self.advance()
            if self.tok.kind != "IDENT":
                raise self.fail_here('a name after `++` to bind the rest (`"api/" ++ rest`), or `_`')
            rest = self.advance()
            name = None if rest.value == "_" else ast.Name(rest.span, rest.value)
            return ast.PrefixPattern(token.span.to(rest.span), self.string_value(prefix), name)
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
        if token.is_op("[", "{", "("):
            raise self.fail(token.span, "list, object and type patterns in `match` are not supported: expected a literal, `\"prefix\" ++ rest`, a name with an `if` guard, or `_`")
        raise self.fail_here("a match pattern (a number, string, `true`, `false`, `nil`, `\"prefix\" ++ rest`, a name or `_`)")
