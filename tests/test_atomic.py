"""Files are written in one step: whole or not at all, never over the corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from painlit.atomic import write_atomic
from painlit.errors import OutputError


def test_writes_and_refuses_to_replace_without_force(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    write_atomic(target, b"one")
    with pytest.raises(OutputError, match="already exists"):
        write_atomic(target, b"two")
    assert target.read_bytes() == b"one"
    write_atomic(target, b"two", force=True)
    assert target.read_bytes() == b"two"


def test_never_the_protected_file(tmp_path: Path) -> None:
    corpus = tmp_path / "studies.yaml"
    corpus.write_bytes(b"corpus")
    with pytest.raises(OutputError, match="corpus"):
        write_atomic(tmp_path / "." / "studies.yaml", b"x", force=True, protect=(corpus,))
    assert corpus.read_bytes() == b"corpus"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    target = folder / "out.txt"
    target.write_bytes(b"old")

    def full_disk(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OutputError, match="the disk is full"):
        write_atomic(target, b"new", force=True)
    assert target.read_bytes() == b"old"
    assert [p.name for p in folder.iterdir()] == ["out.txt"]


@pytest.mark.parametrize(("durable", "synced"), [(True, 1), (False, 0)])
def test_flushed_to_disk_unless_rebuildable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            durable: bool, synced: int) -> None:
    calls: list[int] = []
    real = os.fsync

    def counting(fd: int) -> None:
        calls.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", counting)
    write_atomic(tmp_path / "out.bin", b"data", durable=durable)
    assert len(calls) == synced
