"""Records pickled one by one into a single buffer, and decoded one by one when first used.

The cache stores a corpus this way (painlit.cache), and a large file read in parts arrives
this way from the processes that read it (painlit.loader), so a command decodes only the
records it shows, and the cache entry is written from the very same bytes.

Decoding goes through an unpickler that builds painlit's records and dates and nothing else,
so a tampered cache file cannot run code.
"""

from __future__ import annotations

import array
import contextlib
import functools
import gc
import io
import mmap
import pickle
from collections.abc import Iterable, Iterator
from enum import EnumType
from typing import TypeVar, cast

from painlit.model import LazySequence

T = TypeVar("T")

_ALLOWED_MODULES = ("painlit.model", "painlit.grading")

#: A buffer of records: the bytes of a file (mapped) or of memory.
Buffer = bytes | mmap.mmap
#: Records pickled one after another, and where each starts (see `pack`).
Pack = tuple[bytes, "array.array[int]"]


class _RecordUnpickler(pickle.Unpickler):
    """Builds painlit records, their enum members, and dates, and nothing else."""

    def find_class(self, module: str, name: str) -> object:
        return _allowed(module, name)


@functools.cache
def _allowed(module: str, name: str) -> object:
    if module == "datetime" and name == "date":
        from datetime import date

        return date
    owner, _, member = name.partition(".")
    if module in _ALLOWED_MODULES and not owner.startswith("_"):
        import importlib

        found = getattr(importlib.import_module(module), owner, None)
        if isinstance(found, EnumType) and member in found.__members__:
            return found[member]  # pickled by name (painlit.model.fast_pickling)
        if isinstance(found, type) and not member:
            return found
    raise pickle.UnpicklingError(f"{module}.{name} is not a painlit record")


def load(data: bytes) -> object:
    """One pickle, through the record-only unpickler."""
    return _RecordUnpickler(io.BytesIO(data)).load()


def dump(record: object) -> bytes:
    return pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)


def pack(records: Iterable[object]) -> Pack:
    """The records pickled one after another, and where each starts (plus where the last
    ends): record i is `body[offsets[i]:offsets[i + 1]]`."""
    pickles = [dump(record) for record in records]
    offsets = array.array("Q", [0])
    size = 0
    for blob in pickles:
        size += len(blob)
        offsets.append(size)
    return b"".join(pickles), offsets


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Many new objects, none of them garbage: collecting while building them is wasted time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class PickledRecords(LazySequence[T]):
    """Records pickled one by one in a buffer, each decoded the first time it is used."""

    __slots__ = ("_base", "_buffer", "_decoded", "_offsets")

    def __init__(self, buffer: Buffer, base: int, offsets: array.array[int]) -> None:
        self._buffer = buffer
        self._base = base
        self._offsets = offsets  # record i is buffer[base + offsets[i]:base + offsets[i + 1]]
        self._decoded: list[T | None] = [None] * (len(offsets) - 1)

    def __len__(self) -> int:
        return len(self._decoded)

    def _item(self, index: int) -> T:
        record = self._decoded[index]
        if record is None:
            base, offsets = self._base, self._offsets
            record = cast(T, load(self._buffer[base + offsets[index]:base + offsets[index + 1]]))
            self._decoded[index] = record
        return record

    def pickles(self) -> tuple[bytes | memoryview, array.array[int]]:
        """The records' pickles as one piece of the buffer, and their offsets in it."""
        base, offsets = self._base, self._offsets
        piece = memoryview(self._buffer)[base + offsets[0]:base + offsets[-1]]
        if offsets[0] == 0:
            return piece, offsets
        return piece, array.array("Q", (offset - offsets[0] for offset in offsets))


def joined(pieces: list[Pack]) -> PickledRecords[T]:
    """One sequence of the records of several packs, in order."""
    offsets = array.array("Q", [0])
    size = 0
    for body, where in pieces:
        offsets.extend(size + offset for offset in where[1:])
        size += len(body)
    return PickledRecords(b"".join(body for body, _ in pieces), 0, offsets)
