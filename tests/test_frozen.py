"""`@frozen` behaves as `@dataclass(frozen=True, slots=True)` (classes here are synthetic)."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
from dataclasses import dataclass, field
from typing import Any

import pytest

from painlit.frozen import frozen


@frozen
class Point:
    x: int
    y: int = 0
    note: str = field(default="", compare=False, repr=False)
    tag: str = field(default="", hash=False)


@dataclass(frozen=True, slots=True)
class StandardPoint:
    x: int
    y: int = 0
    note: str = field(default="", compare=False, repr=False)
    tag: str = field(default="", hash=False)


@frozen
class Empty:
    pass


@frozen
class Single:
    value: str


@frozen
class OwnRepr:
    value: int

    def __repr__(self) -> str:
        return "own"


CASES: list[dict[str, Any]] = [{"x": 1, "y": 2}, {"x": 1, "note": "a"}, {"x": 1, "tag": "t"},
                               {"x": -3, "y": 4, "note": "b", "tag": "u"}]


@pytest.mark.parametrize("values", CASES)
def test_repr_and_hash_are_the_standard_ones(values: dict[str, Any]) -> None:
    ours, standard = Point(**values), StandardPoint(**values)
    assert repr(ours) == repr(standard).replace("StandardPoint", "Point")
    assert hash(ours) == hash(standard)


def test_equality_compares_class_and_compared_fields() -> None:
    assert Point(1, 2) == Point(1, 2)
    assert Point(1, 2, note="a") == Point(1, 2, note="b")  # compare=False
    assert Point(1, 2, tag="a") != Point(1, 2, tag="b")  # hash=False still compares
    assert Point(1, 2) != Point(2, 1)
    assert Point(1, 2) != StandardPoint(1, 2)  # type: ignore[comparison-overlap]
    assert Point(1, 2) != (1, 2)  # type: ignore[comparison-overlap]
    assert Point(1, 2).__eq__(object()) is NotImplemented
    assert len({Point(1, 2), Point(1, 2, note="x"), Point(1, 3)}) == 2


def test_no_fields_and_one_field() -> None:
    assert Empty() == Empty()
    assert hash(Empty()) == hash(Empty())
    assert repr(Empty()) == "Empty()"
    assert Single("a") == Single("a") != Single("b")
    assert hash(Single("a")) == hash(Single("a"))
    assert repr(Single("a")) == "Single(value='a')"


def test_immutable_slotted_and_a_dataclass() -> None:
    point = Point(1, 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.x = 5  # type: ignore[misc]
    assert not hasattr(point, "__dict__")
    assert dataclasses.is_dataclass(point)
    assert dataclasses.replace(point, y=7) == Point(1, 7)
    assert dataclasses.astuple(point) == (1, 2, "", "")


def test_a_method_the_class_writes_is_kept() -> None:
    assert repr(OwnRepr(1)) == "own"
    assert OwnRepr(1) == OwnRepr(1)


@frozen
class Made:
    values: tuple[int, ...] = field(default_factory=tuple)
    names: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StandardMade:
    values: tuple[int, ...] = field(default_factory=tuple)
    names: list[str] = field(default_factory=list)


def test_init_takes_what_the_standard_one_takes() -> None:
    assert [p.name for p in inspect.signature(Point).parameters.values()] == [
        p.name for p in inspect.signature(StandardPoint).parameters.values()]
    assert [p.default for p in inspect.signature(Point).parameters.values()] == [
        p.default for p in inspect.signature(StandardPoint).parameters.values()]
    assert Point(1, 2, "n", "t") == Point(x=1, y=2, note="n", tag="t")
    assert repr(Point(1, 2, "n", "t")) == repr(StandardPoint(1, 2, "n", "t")).replace(
        "StandardPoint", "Point")
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Point(1, 2, "n", "t", "extra")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Point(1, z=3)  # type: ignore[call-arg]


def test_default_factories_make_a_new_value_each_time() -> None:
    assert repr(Made()) == repr(StandardMade()).replace("StandardMade", "Made")
    first, second = Made(), Made()
    assert first.names is not second.names
    assert Made((1, 2)).values == (1, 2)


def test_fields_cannot_be_assigned_or_deleted() -> None:
    point = Point(1, 2)
    for name in ("x", "note", "elsewhere"):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(point, name, 5)
        with pytest.raises(dataclasses.FrozenInstanceError):
            delattr(point, name)
    assert point == Point(1, 2)


def test_pickled_and_copied() -> None:
    point = Point(1, 2, note="n", tag="t")
    for again in (pickle.loads(pickle.dumps(point)), copy.copy(point), copy.deepcopy(point)):
        assert again == point and again.note == "n"
    assert copy.deepcopy(Made((1,), ["a"])) == Made((1,), ["a"])


def test_what_it_cannot_make_is_refused() -> None:
    with pytest.raises(TypeError, match="standard @dataclass"):
        @frozen
        class Hidden:
            value: int = field(default=0, init=False)

    with pytest.raises(TypeError, match="standard @dataclass"):
        @frozen
        class Checked:
            value: int

            def __post_init__(self) -> None:
                pass


def test_a_class_without_a_docstring_gets_one_naming_its_fields() -> None:
    assert Point.__doc__ == "Point(x, y, note, tag)"
    assert OwnRepr.__doc__ == "OwnRepr(value)"
