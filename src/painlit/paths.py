"""Where painlit finds its files: the shipped corpus."""

from __future__ import annotations

from pathlib import Path


def default_corpus_path() -> Path:
    """The corpus shipped inside the package, or the checkout's data/ in an editable install."""
    packaged = Path(__file__).parent / "data" / "studies.yaml"
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "data" / "studies.yaml"
