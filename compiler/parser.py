"""Tokens -> AST. The grammar is split by kind of syntax, one mixin per module in compiler/parsing/:
the token footing, expressions, statements, top-level declarations, edge blocks and security blocks.
"""

from __future__ import annotations

from compiler import ast
from compiler.diagnostics import Reporter
from compiler.parsing.declarations import Declarations
from compiler.parsing.edge import EdgeStatements
from compiler.parsing.expressions import Expressions
from compiler.parsing.security import SecurityBlock
from compiler.parsing.statements import Statements
from compiler.parsing.tokens import TokenStream
from compiler.source import Source


class Parser(Declarations, EdgeStatements, SecurityBlock, Statements, Expressions, TokenStream):
    """One parser over one token list; interpolations get a parser of their own over their slice."""


def parse(source: Source, reporter: Reporter) -> ast.Program:
    return Parser(source, reporter).parse_program()
