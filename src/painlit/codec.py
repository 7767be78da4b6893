"""Records as JSON and back, for the index (painlit.index): no pickle anywhere.

A record (a frozen dataclass of `painlit.model`) is written as a JSON array of its field values
in field order: an enum member as its value, a date as its ISO text, a tuple as an array, a
nested record as its own array. Reading it back follows the field types, so only the classes
of `painlit.model` can come out of it, whatever the bytes hold; anything that does not fit
raises `CodecError` (the index then reads the corpus file again).
"""

from __future__ import annotations

import json
import operator
import types
import typing
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from datetime import date
from enum import Enum
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")

Decoder = Callable[[Any], Any]


class CodecError(ValueError):
    """Stored JSON that does not fit the record class it should make."""


def dumps(value: object) -> str:
    """The JSON text of a record, or of any value made of records (see the module's doc).

    Text and numbers, enum members among them (they are `str` or `int`), lists and tuples are
    written by the json module's C encoder; only records and dates call back into Python."""
    return _ENCODER.encode(value)


def _default(value: object) -> Any:
    getter = _GETTERS.get(type(value))
    if getter is None:
        if isinstance(value, date):
            return value.isoformat()
        if not (is_dataclass(value) and not isinstance(value, type)):
            raise CodecError(f"cannot store a {type(value).__name__}")
        names = [f.name for f in fields(value)]
        getter = _GETTERS[type(value)] = (
            operator.attrgetter(*names) if len(names) > 1
            else lambda record: (getattr(record, names[0]),))
    return getter(value)


_GETTERS: dict[type, Callable[[Any], tuple[Any, ...]]] = {}
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False,
                            default=_default)


def loads(cls: type[T], text: str | bytes) -> T:
    """The record of class `cls` in `text` (CodecError when it does not fit)."""
    try:
        data = json.loads(text)
        return typing.cast(T, decoder(typing.cast(Any, cls))(data))
    except CodecError:
        raise
    except (ValueError, TypeError, KeyError, IndexError) as error:
        raise CodecError(f"stored {cls.__name__} does not fit: {error}") from None


@cache
def decoder(kind: Any) -> Decoder:
    """A function making a value of type `kind` from its JSON value."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [option for option in typing.get_args(kind) if option is not type(None)]
        if len(options) != 1:
            raise CodecError(f"cannot read {kind}")
        inner = decoder(options[0])
        return lambda value: None if value is None else inner(value)
    if origin is tuple:
        arguments = typing.get_args(kind)
        if len(arguments) == 2 and arguments[1] is Ellipsis:
            item = decoder(arguments[0])
            return lambda value: tuple(item(v) for v in _array(value))
        items = tuple(decoder(argument) for argument in arguments)
        return lambda value: tuple(read(v) for read, v in zip(items, _array(value, len(items)),
                                                               strict=True))
    if isinstance(kind, type) and issubclass(kind, Enum):
        members = {member.value: member for member in kind}
        return lambda value: members[value]
    if kind is date:
        return lambda value: date.fromisoformat(_typed(value, str))
    if kind is float:
        return lambda value: float(_typed(value, int | float))
    if kind in (str, int, bool):
        return lambda value: _typed(value, kind)
    if isinstance(kind, type) and is_dataclass(kind):
        return _record_decoder(kind)
    raise CodecError(f"cannot read {kind}")


def _record_decoder(cls: type) -> Decoder:
    hints = typing.get_type_hints(cls)
    names = [f.name for f in fields(cls)]
    readers = [decoder(hints[name]) for name in names]

    def read(value: Any) -> Any:
        values = _array(value, len(readers))
        return cls(*(reader(item) for reader, item in zip(readers, values, strict=True)))

    return read


def _array(value: Any, length: int | None = None) -> list[Any]:
    if not isinstance(value, list) or (length is not None and len(value) != length):
        raise CodecError("stored record has the wrong shape")
    return value


def _typed(value: Any, kind: Any) -> Any:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise CodecError(f"expected {kind}, found {type(value).__name__}")
    return value
