"""Editing a YAML file as text: every byte not edited stays (comments, quoting, CRLF, BOM)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from painlit import yamledit
from painlit.errors import OutputError
from painlit.yamlfile import compose

TEXT = """\
# synthetic
top:
  a: 1   # keep me
  b: 'two'
  long: >-
    folded
    text
items:
- id: x
  list: [p, q]
"""


def _mapping(text: str, key: str) -> object:
    return yamledit.value_of(compose(text, "t"), key)


def test_a_one_line_value_is_replaced_in_place() -> None:
    node = _mapping(TEXT, "top")
    new = yamledit.set_keys(TEXT, node, {"a": 5, "b": "three"})  # type: ignore[arg-type]
    assert new == TEXT.replace("a: 1   # keep me", "a: 5   # keep me").replace(
        "b: 'two'", "b: three")


def test_a_block_value_is_replaced_whole_and_a_new_key_goes_last() -> None:
    node = _mapping(TEXT, "top")
    new = yamledit.set_keys(TEXT, node, {"long": "short", "c": date(2026, 12, 5)})  # type: ignore[arg-type]
    assert new == TEXT.replace("  long: >-\n    folded\n    text\n",
                               "  long: short\n  c: 2026-12-05\n")


def test_a_key_is_removed_with_none_but_never_the_first() -> None:
    node = _mapping(TEXT, "top")
    assert yamledit.set_keys(TEXT, node, {"b": None}) == TEXT.replace("  b: 'two'\n", "")  # type: ignore[arg-type]
    with pytest.raises(OutputError, match="first key"):
        yamledit.set_keys(TEXT, node, {"a": None})  # type: ignore[arg-type]


def test_lists_of_plain_values_stay_on_one_line() -> None:
    item = yamledit.value_of(compose(TEXT, "t"), "items").value[0]  # type: ignore[union-attr]
    new = yamledit.set_keys(TEXT, item, {"list": ["p", "q", "r"]})
    assert new.endswith("- id: x\n  list: [p, q, r]\n")


def test_a_flow_mapping_is_refused() -> None:
    text = "top: {a: 1}\n"
    with pytest.raises(OutputError, match="flow style"):
        yamledit.set_keys(text, _mapping(text, "top"), {"a": 2})  # type: ignore[arg-type]


def test_edit_file_keeps_crlf_bom_and_mode_and_follows_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_bytes(b"\xef\xbb\xbf" + TEXT.replace("\n", "\r\n").encode("utf-8"))
    real.chmod(0o640)
    link = tmp_path / "link.yaml"
    link.symlink_to(real)

    def change(text: str, root: object) -> str:
        return yamledit.set_keys(text, yamledit.value_of(root, "top"), {"a": 2, "z": "new"})  # type: ignore[arg-type]

    yamledit.edit_file(link, change)
    assert link.is_symlink()
    data = real.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == TEXT.count("\n") + 1 and b"\n" not in data.replace(b"\r\n", b"")
    assert b"  a: 2   # keep me\r\n" in data and b"  z: new\r\n" in data
    assert real.stat().st_mode & 0o777 == 0o640


def test_edit_file_refuses_a_file_changed_meanwhile(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(TEXT, encoding="utf-8")

    def change(text: str, root: object) -> str:
        path.write_text(TEXT + "# an editor's save\n", encoding="utf-8")
        return text.replace("a: 1", "a: 2")

    with pytest.raises(OutputError, match="changed while painlit was editing it"):
        yamledit.edit_file(path, change)
    assert path.read_text(encoding="utf-8").endswith("# an editor's save\n")


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(TEXT, encoding="utf-8")
    new = yamledit.edit_file(path, lambda text, root: text.replace("a: 1", "a: 2"),
                             dry_run=True)
    assert new is not None and "a: 2" in new
    assert path.read_text(encoding="utf-8") == TEXT
