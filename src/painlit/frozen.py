"""`@frozen`: painlit's immutable value classes (a frozen, slotted dataclass).

Behaves as `@dataclass(frozen=True, slots=True)`: the same `__init__` (parameters, defaults,
default factories), immutability (`FrozenInstanceError` on assigning or deleting a field),
equality (same class, equal fields), hash, repr, and pickling and copying. The difference is
the price at start-up: the standard decorator compiles six methods from source text for every
class, each time the program starts, and painlit defines some seventy such classes (about a
third of what its own modules cost to import). Here only `__init__` is compiled for each
class; equality, hash, repr, the frozen `__setattr__` and `__delattr__`, and the pickling
state are functions written once, in this module, that read the class's field names.
(`dataclasses` still makes the class: its fields, slots and `__match_args__`.)
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from operator import attrgetter
from typing import Any, NoReturn, TypeVar, dataclass_transform

T = TypeVar("T")


def _key(names: tuple[str, ...]) -> Callable[[Any], Any]:
    """A function reading `names` from an instance (a tuple; the value itself for one name)."""
    return attrgetter(*names) if names else lambda _: ()


def _eq(self: Any, other: Any) -> object:
    if other.__class__ is not self.__class__:
        return NotImplemented
    key = self.__frozen_compare__
    return bool(key(self) == key(other))


def _hash(self: Any) -> int:
    return hash(self.__frozen_hash__(self))


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__frozen_repr__)
    return f"{self.__class__.__qualname__}({shown})"


def _setattr(self: Any, name: str, value: Any) -> NoReturn:
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


def _delattr(self: Any, name: str) -> NoReturn:
    raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")


def _getstate(self: Any) -> list[Any]:
    return [getattr(self, name) for name in self.__frozen_fields__]


def _setstate(self: Any, state: list[Any]) -> None:
    for name, value in zip(self.__frozen_fields__, state, strict=True):
        object.__setattr__(self, name, value)


class _Factory:
    """The default of a parameter whose field has a default factory (shown as `<factory>`)."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


def _init(fields: tuple[dataclasses.Field[Any], ...]) -> Callable[..., None]:
    """The `__init__` the standard decorator makes for a frozen class with these fields."""
    namespace: dict[str, Any] = {"__set": object.__setattr__, "__factory": _FACTORY}
    parameters, body = ["self"], []
    for number, field in enumerate(fields):
        name = field.name
        if field.default is not dataclasses.MISSING:
            namespace[f"__default{number}"] = field.default
            parameters.append(f"{name}=__default{number}")
        elif field.default_factory is not dataclasses.MISSING:
            namespace[f"__make{number}"] = field.default_factory
            parameters.append(f"{name}=__factory")
            body.append(f"if {name} is __factory: {name} = __make{number}()")
        else:
            parameters.append(name)
        body.append(f"__set(self, {name!r}, {name})")
    source = f"def __init__({', '.join(parameters)}):\n    " + "\n    ".join(body or ["pass"])
    exec(source, namespace)  # made here from field names, as dataclasses does
    made: Callable[..., None] = namespace["__init__"]
    return made


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
def frozen(cls: type[T]) -> type[T]:
    """Make `cls` a frozen, slotted dataclass (see the module's docstring)."""
    fields_of = {name: value for name, value in cls.__dict__.items()
                 if isinstance(value, dataclasses.Field)}
    if "__post_init__" in cls.__dict__ or any(
            not field.init or field.kw_only is True for field in fields_of.values()):
        raise TypeError(f"@frozen {cls.__name__}: __post_init__, or a field outside __init__ "
                        "or keyword-only, needs the standard @dataclass")
    if cls.__doc__ is None:  # as the standard decorator writes it (it would parse the text
        # signature of object.__init__, compiling the tokenizer's expressions, to do so)
        names = ", ".join(inspect.get_annotations(cls))
        cls.__doc__ = f"{cls.__name__}({names})"
    made: Any = dataclasses.dataclass(init=False, slots=True, eq=False, repr=False)(cls)
    fields = dataclasses.fields(made)
    compared = tuple(f.name for f in fields if f.compare)
    hashed = tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash))
    # staticmethod: a function stored on the class would be bound to the instance
    made.__frozen_compare__ = staticmethod(_key(compared))
    made.__frozen_hash__ = staticmethod(_key(hashed))
    made.__frozen_repr__ = tuple(f.name for f in fields if f.repr)
    made.__frozen_fields__ = tuple(f.name for f in fields)
    init = _init(fields)
    init.__qualname__ = f"{made.__qualname__}.__init__"
    for name, method in (("__init__", init), ("__eq__", _eq), ("__hash__", _hash),
                         ("__repr__", _repr), ("__setattr__", _setattr),
                         ("__delattr__", _delattr), ("__getstate__", _getstate),
                         ("__setstate__", _setstate)):
        if name not in cls.__dict__:  # a method the class writes itself is kept
            setattr(made, name, method)
    result: type[T] = made
    return result
