"""Corpus edits (`draft --append`) lose nothing the user owns: concurrent appends both land,
an editor's save made during an append is never overwritten, a symlinked corpus keeps its link
and the real file gets the record, the file keeps its mode. Records here are synthetic."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from painlit.errors import OutputError
from painlit.online import draft as drafting

MINIMAL = Path(__file__).parent / "fixtures" / "corpus" / "minimal.yaml"


def _record(number: int) -> dict[str, Any]:
    record = drafting.publication_record(
        authors=[f"Synthetic{number} Q"], title=f"Synthetic test record {number}", year=2020,
        journal=None, doi=f"10.5555/edit.{number}", pmid=None, source="Crossref",
        landing=f"https://doi.org/10.5555/edit.{number}", taken=set())
    return record


def _ids(path: Path) -> list[str]:
    return [study["id"] for study in yaml.safe_load(path.read_bytes())["studies"]]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    target = tmp_path / "studies.yaml"
    shutil.copyfile(MINIMAL, target)
    return target


def test_an_editors_save_during_an_append_is_kept(corpus: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    saved = corpus.read_text(encoding="utf-8").replace("Synthetic", "Edited", 1)
    real_check = drafting.check_bytes  # type: ignore[attr-defined]

    def check_while_an_editor_saves(*args: Any, **kwargs: Any) -> Any:
        corpus.write_text(saved, encoding="utf-8")  # the editor saves mid-append
        return real_check(*args, **kwargs)

    monkeypatch.setattr(drafting, "check_bytes", check_while_an_editor_saves)
    with pytest.raises(OutputError, match="changed while painlit was editing it"):
        drafting.append_records(corpus, [_record(1)])
    assert corpus.read_text(encoding="utf-8") == saved


def test_a_symlinked_corpus_keeps_its_link_and_its_mode(corpus: Path, tmp_path: Path) -> None:
    os.chmod(corpus, 0o640)
    link = tmp_path / "link.yaml"
    link.symlink_to(corpus)
    drafting.append_records(link, [_record(2)])
    assert link.is_symlink() and link.resolve() == corpus.resolve()
    assert _ids(corpus)[-1] == "synthetic2-2020"  # the real file got the record
    assert corpus.stat().st_mode & 0o777 == 0o640


_APPEND = """
import sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from test_corpus_edits import _record
from painlit.online import draft
draft.append_records(Path({path!r}), [_record(int(sys.argv[1]))])
"""


def test_concurrent_appends_all_land(corpus: Path) -> None:
    script = _APPEND.format(tests=str(Path(__file__).parent), path=str(corpus))
    before = len(_ids(corpus))
    runs = [subprocess.Popen([sys.executable, "-c", script, str(number)],
                             stderr=subprocess.PIPE) for number in range(10, 15)]
    for run in runs:
        _, error = run.communicate(timeout=120)
        assert run.returncode == 0, error.decode()
    assert len(_ids(corpus)) == before + 5
