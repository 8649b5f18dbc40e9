"""Parsing of the top-level `security { ... }` block (upstream Tova's docs/fullstack/security-block.md).

Only the shape is read here; which parts this compiler builds, and what they mean, is decided by the
checks (compiler/resolve/security.py), so a refused part still gets a message naming it.
"""

from __future__ import annotations

from compiler import ast
from compiler.diagnostics import ParseError

# word -> what follows it: a name (`role Admin`), a string (`protect "/api/*"`), a Type.field, or nothing
SECURITY_WORDS = {
    "auth": "name", "role": "name", "protect": "string", "sensitive": "field",
    "cors": None, "csp": None, "hsts": None, "rate_limit": None, "csrf": None, "audit": None,
    "trust_proxy": "value",
}


class SecurityBlock:
    """Mixed into the Parser."""

    def parse_security_block(self) -> ast.Security:
        start = self.advance().span  # security
        open_brace = self.open_brace("`{` to start the security block")
        items: list[ast.SecurityItem] = []
        self.skip_newlines()
        while not self.tok.is_op("}"):
            if self.tok.kind == "EOF":
                raise self.fail(open_brace.span, "unclosed `{` of the security block: expected a matching `}` before the end of the file")
            if self.too_many_errors():
                break
            try:
                items.append(self.parse_security_item())
                self.end_statement()
            except ParseError:
                self.synchronize()
            self.skip_newlines()
        end = self.advance()
        return ast.Security(start.to(end.span), items)

    def parse_security_item(self) -> ast.SecurityItem:
        from compiler.parsing.edge import did_you_mean

        token = self.tok
        if token.kind == "IDENT" and self.peek().is_op(":"):
            raise self.fail(token.span, f"`{token.value}: ...` is the older security syntax: expected `auth jwt {{ secret: env(\"NAME\") }}`, `role Name {{ can: [...] }}` and `protect \"/path/*\" {{ require: Role }}`")
        if token.kind != "IDENT" or token.value not in SECURITY_WORDS:
            raise self.fail(
                token.span,
                f"expected a security statement ({', '.join(SECURITY_WORDS)}), found {token.describe()}",
                did_you_mean(token.value, SECURITY_WORDS) if token.kind == "IDENT" else None,
            )
        self.advance()
        follows = SECURITY_WORDS[token.value]
        name = None
        name_span = token.span
        if follows == "name":
            name_token = self.expect_ident(f"a name after `{token.value}` (`{token.value} {'jwt' if token.value == 'auth' else 'Admin'} {{ ... }}`)")
            name, name_span = name_token.value, name_token.span
        elif follows == "string":
            path = self.expect_string('a path pattern after `protect` (`protect "/api/admin/*" { require: Admin }`)')
            name, name_span = self.string_value(path), path.span
        elif follows == "field":
            type_token = self.expect_ident("a type after `sensitive` (`sensitive User.email { ... }`)")
            self.expect_op(".", "`.` and a field name (`sensitive User.email { ... }`)")
            field = self.expect_ident("a field name after `.`")
            name, name_span = f"{type_token.value}.{field.value}", type_token.span.to(field.span)
        elif follows == "value":
            value = self.parse_expr()
            return ast.SecurityItem(token.span.to(value.span), token.value, None, token.span, [ast.ConfigEntry(value.span, "value", value)])
        if not self.tok.is_op("{"):
            raise self.fail_here(f"`{{ ... }}` with the settings of `{token.value}`")
        end = self.tok.span
        config = self.parse_config_block(f"{token.value}{' ' + name if name else ''}")
        return ast.SecurityItem(token.span.to(end), token.value, name, name_span, config)
