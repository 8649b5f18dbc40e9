"""The syntax tree: plain dataclasses, each with the `span` of source it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from compiler.source import Span


# ── expressions ─────────────────────────────────────────────────────────────────────────────────
@dataclass
class Name:
    span: Span
    name: str


@dataclass
class Number:
    span: Span
    value: int | float
    raw: str


@dataclass
class String:
    span: Span
    parts: list  # str | Expr, in order


@dataclass
class Bool:
    span: Span
    value: bool


@dataclass
class Nil:
    span: Span


@dataclass
class Spread:
    span: Span
    value: "Expr"


@dataclass
class Array:
    span: Span
    items: list  # Expr | Spread


@dataclass
class Property:
    span: Span
    key: str | None  # None for a spread
    value: "Expr"
    computed: "Expr | None" = None  # `[expr]: value`
    shorthand: bool = False
    spread: bool = False


@dataclass
class Object:
    span: Span
    props: list[Property]


@dataclass
class Member:
    span: Span
    obj: "Expr"
    name: str
    optional: bool = False


@dataclass
class Index:
    span: Span
    obj: "Expr"
    index: "Expr"
    optional: bool = False


@dataclass
class Call:
    span: Span
    callee: "Expr"
    args: list  # Expr | Spread


@dataclass
class New:
    """`X.new(args)`, which is JavaScript's `new X(args)`."""

    span: Span
    callee: "Expr"
    args: list


@dataclass
class Unary:
    span: Span
    op: str  # "-", "+", "not"
    operand: "Expr"


@dataclass
class Binary:
    span: Span
    op: str  # arithmetic, comparison, "and", "or", "??"
    left: "Expr"
    right: "Expr"


@dataclass
class Pipe:
    """`value |> f(a)` is `f(value, a)`; `value |> f` is `f(value)`."""

    span: Span
    value: "Expr"
    target: "Expr"


@dataclass
class Await:
    span: Span
    value: "Expr"


@dataclass
class Param:
    span: Span
    target: "Pattern"
    default: "Expr | None" = None
    rest: bool = False


@dataclass
class Lambda:
    span: Span
    params: list[Param]
    body: "Block"
    is_async: bool = False
    name: str | None = None  # named functions (`fn name() {}`) also parse into this


@dataclass
class IfExpr:
    span: Span
    branches: list[tuple["Expr", "Block"]]  # if and elif, in order
    orelse: "Block | None"


@dataclass
class MatchArm:
    span: Span
    patterns: list["Expr | None"]  # None is `_`; a Name binds the value
    guard: "Expr | None"
    body: "Block"


@dataclass
class Match:
    span: Span
    subject: "Expr"
    arms: list[MatchArm]


Expr = Union[
    Name, Number, String, Bool, Nil, Array, Object, Member, Index, Call, New, Unary, Binary, Pipe,
    Await, Lambda, IfExpr, Match,
]


# ── patterns (left of `=`, for-loop targets, parameters) ───────────────────────────────────────
@dataclass
class NamePattern:
    span: Span
    name: str


@dataclass
class ObjectPattern:
    span: Span
    entries: list[tuple[str, "Pattern", "Expr | None"]]  # key, target, default
    rest: "NamePattern | None" = None


@dataclass
class ArrayPattern:
    span: Span
    items: list["Pattern | None"]  # None skips an element
    rest: "NamePattern | None" = None


Pattern = Union[NamePattern, ObjectPattern, ArrayPattern]


# ── statements ─────────────────────────────────────────────────────────────────────────────────
@dataclass
class Block:
    span: Span
    body: list["Stmt"]


@dataclass
class ExprStmt:
    span: Span
    expr: Expr


@dataclass
class Let:
    """`x = e` (immutable) or `var x = e`; also destructuring."""

    span: Span
    target: Pattern
    value: Expr
    mutable: bool
    reassign: bool = False  # set by the checks when `x = e` updates an existing `var x`


@dataclass
class Assign:
    """Reassignment of a `var`, or `+=` and friends, or a store into a member or index."""

    span: Span
    target: Expr  # Name, Member or Index
    op: str  # "=", "+=", ...
    value: Expr


@dataclass
class FnDecl:
    span: Span
    name: str
    fn: Lambda


@dataclass
class Return:
    span: Span
    value: Expr | None


@dataclass
class Throw:
    span: Span
    value: Expr


@dataclass
class If:
    span: Span
    branches: list[tuple[Expr, Block]]
    orelse: Block | None


@dataclass
class For:
    span: Span
    targets: list[Pattern]  # one (`for x in xs`) or two (`for i, x in xs`)
    iterable: Expr
    body: Block


@dataclass
class While:
    span: Span
    cond: Expr
    body: Block


@dataclass
class Break:
    span: Span


@dataclass
class Continue:
    span: Span


@dataclass
class Try:
    span: Span
    body: Block
    catch_name: str | None
    catch_body: Block | None
    finally_body: Block | None


@dataclass
class MatchStmt:
    span: Span
    match: Match


Stmt = Union[ExprStmt, Let, Assign, FnDecl, Return, Throw, If, For, While, Break, Continue, Try, MatchStmt]


# ── edge blocks ────────────────────────────────────────────────────────────────────────────────
@dataclass
class ConfigEntry:
    span: Span
    key: str
    value: Expr


@dataclass
class Target:
    span: Span
    value: str


@dataclass
class Binding:
    span: Span
    kind: str  # kv, sql, storage, queue
    name: str
    name_span: Span
    config: list[ConfigEntry] = field(default_factory=list)


@dataclass
class EnvVar:
    span: Span
    name: str
    default: Expr | None


@dataclass
class Secret:
    span: Span
    name: str


@dataclass
class Cors:
    span: Span
    entries: list[ConfigEntry]


@dataclass
class Health:
    span: Span
    path: str
    checks: list[tuple[str, Span]]


@dataclass
class OnError:
    span: Span
    handler: Lambda


@dataclass
class Middleware:
    span: Span
    handler: Lambda


@dataclass
class Route:
    span: Span
    method: str
    method_span: Span
    path: str
    path_span: Span
    handler: Expr  # Lambda or Name of a function


@dataclass
class Schedule:
    span: Span
    name: str
    cron: str
    cron_span: Span
    handler: Lambda


@dataclass
class Consume:
    span: Span
    queue: str
    queue_span: Span
    config: list[ConfigEntry]
    handler: Expr  # Lambda or Name


EdgeStmt = Union[Target, Binding, EnvVar, Secret, Cors, Health, OnError, Middleware, Route, Schedule, Consume, FnDecl, Let]


@dataclass
class EdgeBlock:
    span: Span
    name: str | None
    body: list


@dataclass
class Field:
    span: Span
    name: str
    type: str


@dataclass
class TypeDecl:
    span: Span
    name: str
    fields: list[Field]


@dataclass
class Shared:
    span: Span
    types: list[TypeDecl]


@dataclass
class Program:
    span: Span
    items: list  # Shared | TypeDecl | EdgeBlock | FnDecl | Let
