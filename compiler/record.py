"""`@record`: a lean stand-in for `@dataclass` (generated `__init__`, a short repr, identity equality).

The compiler runs once per `tova build`, where importing `dataclasses` and generating three methods per
class for some seventy node classes costs more than compiling the seed program itself.
"""

from __future__ import annotations


class Factory:
    """A default made fresh for each instance, like `field(default_factory=...)`."""

    __slots__ = ("make",)

    def __init__(self, make) -> None:
        self.make = make


def record(cls):
    annotations = cls.__dict__.get("__annotations__", {})
    names = [name for name in annotations if not name.startswith("_")]
    inherited = getattr(cls, "_fields", ())
    names = [n for n in inherited if n not in names] + names
    namespace: dict = {}
    params, body = [], []
    for name in names:
        default = cls.__dict__.get(name, getattr(cls, f"_default_{name}", record))
        if default is record:
            params.append(name)
            body.append(f"    self.{name} = {name}")
        elif isinstance(default, Factory):
            namespace[f"_factory_{name}"] = default.make
            params.append(f"{name}=None")
            body.append(f"    self.{name} = _factory_{name}() if {name} is None else {name}")
        else:
            namespace[f"_default_{name}"] = default
            params.append(f"{name}=_default_{name}")
            body.append(f"    self.{name} = {name}")
    source = f"def __init__(self, {', '.join(params)}):\n" + ("\n".join(body) or "    pass")
    exec(source, namespace)  # noqa: S102 - the source is built from the class's own field names
    cls.__init__ = namespace["__init__"]
    cls._fields = tuple(names)
    for name in names:
        if name in cls.__dict__:
            setattr(cls, f"_default_{name}", cls.__dict__[name])
            delattr(cls, name)
    cls.__match_args__ = tuple(names)
    if "__repr__" not in cls.__dict__:
        cls.__repr__ = _repr
    return cls


def _repr(self) -> str:
    inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
    return f"{type(self).__name__}({inner})"
