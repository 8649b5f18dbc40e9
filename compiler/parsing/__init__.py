"""The parser's parts, one per kind of syntax; `compiler.parser.Parser` puts them together."""
