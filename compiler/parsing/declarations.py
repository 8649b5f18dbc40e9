"""The top level of a program: `shared { }`, `type`, functions, constants, `edge` and `security` blocks.

The other kinds of top-level block in upstream Tova (server, browser, cli ...) target platforms this
compiler does not build for; they are refused by name rather than misread.
"""

from __future__ import annotations

from compiler import ast
from compiler.diagnostics import ParseError

OTHER_BLOCKS = ("server", "browser", "client", "cli", "test", "bench", "data", "deploy", "form", "theme")


class Declarations:
    """Mixed into the Parser."""

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
        if token.kind == "IDENT" and token.value == "security" and (self.peek().is_op("{") or self.peek().kind == "NEWLINE"):
            return self.parse_security_block()
        if token.kind == "IDENT" and token.value in OTHER_BLOCKS and (self.peek().is_op("{") or self.peek().kind == "STRING"):
            raise self.fail(token.span, f"`{token.value}` blocks are not supported: this compiler builds `edge` blocks (Cloudflare Workers) only")
        self.refuse_foreign()
        raise self.fail_here("`shared`, `type`, `edge`, `security`, `fn` or a constant (`NAME = value`) at the top level")

    def parse_shared(self) -> ast.Shared:
        start = self.advance().span
        open_brace = self.open_brace("`{` after `shared`")
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
        open_brace = self.open_brace(f"`{{` to list the fields of `{name.value}`")
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
