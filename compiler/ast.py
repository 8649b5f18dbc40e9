"""The syntax tree: plain records, each with the `span` of source it came from."""

from __future__ import annotations

from compiler.record import Factory, record
from compiler.source import Span


# ── expressions ─────────────────────────────────────────────────────────────────────────────────
@record
class Name:
    span: Span
    name: str


@record
class Number:
    span: Span
    value: int | float
    raw: str


@record
class String:
    span: Span
    parts: list  # str | Expr, in order


@record
class Bool:
    span: Span
    value: bool


@record
class Nil:
    span: Span


@record
class Spread:
    span: Span
    value: "Expr"


@record
class Array:
    span: Span
    items: list  # Expr | Spread


@record
class Property:
    span: Span
    key: str | None  # None for a spread
    value: "Expr"
    computed: "Expr | None" = None  # `[expr]: value`
    shorthand: bool = False
    spread: bool = False


@record
class Object:
    span: Span
    props: list[Property]


@record
class Member:
    span: Span
    obj: "Expr"
    name: str
    optional: bool = False


@record
class Index:
    span: Span
    obj: "Expr"
    index: "Expr"
    optional: bool = False


@record
class Call:
    span: Span
    callee: "Expr"
    args: list  # Expr | Spread


@record
class New:
    """`X.new(args)`, which is JavaScript's `new X(args)`."""

    span: Span
    callee: "Expr"
    args: list


@record
class Unary:
    span: Span
    op: str  # "-", "+", "not"
    operand: "Expr"


@record
class Binary:
    span: Span
    op: str  # arithmetic, comparison, "and", "or", "??"
    left: "Expr"
    right: "Expr"


@record
class Pipe:
    """`value |> f(a)` is `f(value, a)`; `value |> f` is `f(value)`."""

    span: Span
    value: "Expr"
    target: "Expr"


@record
class Await:
    span: Span
    value: "Expr"


@record
class Param:
    span: Span
    target: "Pattern"
    default: "Expr | None" = None
    rest: bool = False


@record
class Lambda:
    span: Span
    params: list[Param]
    body: "Block"
    is_async: bool = False
    name: str | None = None  # named functions (`fn name() {}`) also parse into this


@record
class IfExpr:
    span: Span
    branches: list[tuple["Expr", "Block"]]  # if and elif, in order
    orelse: "Block | None"


@record
class MatchArm:
    span: Span
    patterns: list["Expr | None"]  # None is `_`; a Name binds the value
    guard: "Expr | None"
    body: "Block"


@record
class Match:
    span: Span
    subject: "Expr"
    arms: list[MatchArm]


@record
class Range:
    """`a..b` (end excluded) and `a..=b` (end included): a list of integers."""

    span: Span
    start: "Expr"
    end: "Expr"
    inclusive: bool


@record
class Compare:
    """A chain `a < b <= c`: each middle operand is evaluated once, and evaluation stops at the
    first comparison that fails, as in Python."""

    span: Span
    operands: list["Expr"]
    ops: list[str]


@record
class IsType:
    """`x is String`, `x is not Nil`."""

    span: Span
    value: "Expr"
    type_name: str
    negated: bool


@record
class Slice:
    """`xs[start:stop:step]` on a list or string; any part may be left out, negatives count from the end."""

    span: Span
    obj: "Expr"
    start: "Expr | None"
    stop: "Expr | None"
    step: "Expr | None"


@record
class Comprehension:
    """`[value for x in items if cond]`."""

    span: Span
    value: "Expr"
    targets: list  # one or two patterns, as in `for`
    iterable: "Expr"
    cond: "Expr | None"


@record
class MethodPipe:
    """The target of `value |> .method(args)`: calls the method on the piped value."""

    span: Span
    name: str
    args: list


@record
class PrefixPattern:
    """`"api/" ++ rest` in a match arm: a string starting with the prefix; `rest` binds what follows."""

    span: Span
    prefix: str
    rest: "Name | None"


Expr = (
    Name, Number, String, Bool, Nil, Array, Object, Member, Index, Call, New, Unary, Binary, Pipe,
    Await, Lambda, IfExpr, Match, Range, Compare, IsType, Slice, Comprehension,
)


# ── patterns (left of `=`, for-loop targets, parameters) ───────────────────────────────────────
@record
class NamePattern:
    span: Span
    name: str


@record
class ObjectPattern:
    span: Span
    entries: list[tuple[str, "Pattern", "Expr | None"]]  # key, target, default
    rest: "NamePattern | None" = None


@record
class ArrayPattern:
    span: Span
    items: list["Pattern | None"]  # None skips an element
    rest: "NamePattern | None" = None


Pattern = (NamePattern, ObjectPattern, ArrayPattern)


# ── statements ─────────────────────────────────────────────────────────────────────────────────
@record
class Block:
    span: Span
    body: list["Stmt"]


@record
class ExprStmt:
    span: Span
    expr: Expr


@record
class Let:
    """`x = e` (immutable) or `var x = e`; also destructuring."""

    span: Span
    target: Pattern
    value: Expr
    mutable: bool
    reassign: bool = False  # set by the checks when `x = e` updates an existing `var x`


@record
class Assign:
    """Reassignment of a `var`, or `+=` and friends, or a store into a member or index."""

    span: Span
    target: Expr  # Name, Member or Index
    op: str  # "=", "+=", ...
    value: Expr


@record
class FnDecl:
    span: Span
    name: str
    fn: Lambda


@record
class Return:
    span: Span
    value: Expr | None


@record
class Throw:
    span: Span
    value: Expr


@record
class If:
    span: Span
    branches: list[tuple[Expr, Block]]
    orelse: Block | None


@record
class For:
    span: Span
    targets: list[Pattern]  # one (`for x in xs`) or two (`for i, x in xs`)
    iterable: Expr
    body: Block


@record
class While:
    span: Span
    cond: Expr
    body: Block


@record
class Break:
    span: Span


@record
class Continue:
    span: Span


@record
class Try:
    span: Span
    body: Block
    catch_name: str | None
    catch_body: Block | None
    finally_body: Block | None


@record
class MatchStmt:
    span: Span
    match: Match


Stmt = (ExprStmt, Let, Assign, FnDecl, Return, Throw, If, For, While, Break, Continue, Try, MatchStmt)


# ── edge blocks ────────────────────────────────────────────────────────────────────────────────
@record
class ConfigEntry:
    span: Span
    key: str
    value: Expr


@record
class Target:
    span: Span
    value: str


@record
class Binding:
    span: Span
    kind: str  # kv, sql, storage, queue
    name: str
    name_span: Span
    config: list[ConfigEntry] = Factory(list)


@record
class EnvVar:
    span: Span
    name: str
    default: Expr | None


@record
class Secret:
    span: Span
    name: str


@record
class Cors:
    span: Span
    entries: list[ConfigEntry]


@record
class Health:
    span: Span
    path: str
    checks: list[tuple[str, Span]]


@record
class OnError:
    span: Span
    handler: Lambda


@record
class Middleware:
    span: Span
    handler: Lambda


@record
class Route:
    span: Span
    method: str
    method_span: Span
    path: str
    path_span: Span
    handler: Expr  # Lambda or Name of a function


@record
class Schedule:
    span: Span
    name: str
    cron: str
    cron_span: Span
    handler: Lambda


@record
class Consume:
    span: Span
    queue: str
    queue_span: Span
    config: list[ConfigEntry]
    handler: Expr  # Lambda or Name


EdgeStmt = (Target, Binding, EnvVar, Secret, Cors, Health, OnError, Middleware, Route, Schedule, Consume, FnDecl)


@record
class EdgeBlock:
    span: Span
    name: str | None
    body: list


@record
class Field:
    span: Span
    name: str
    type: str


@record
class TypeDecl:
    span: Span
    name: str
    fields: list[Field]


@record
class Shared:
    span: Span
    types: list[TypeDecl]


@record
class Program:
    span: Span
    items: list  # Shared | TypeDecl | EdgeBlock | FnDecl | Let


@record
class SecurityItem:
    """One statement of a `security` block: `auth jwt {...}`, `role Admin {...}`, `protect "/p" {...}`,
    `sensitive Type.field {...}`, `csp {...}` ...; `name` is the jwt/Admin/path/Type.field part."""

    span: Span
    kind: str
    name: str | None
    name_span: Span
    config: list[ConfigEntry]


@record
class Security:
    span: Span
    items: list[SecurityItem]

