"""painlit: a graded evidence map of psychedelic microdosing for chronic pain.

The library is usable without the command line::

    from painlit import load_corpus, grade_claim
    corpus = load_corpus(default_corpus_path())
    for claim in corpus.claims:
        print(claim.id, grade_claim(claim, corpus).label)
"""

from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from painlit.errors import CorpusError, PainlitError, Problem, UnknownNameError
    from painlit.grading import Grade, Verdict, grade_all, grade_claim
    from painlit.loader import check_corpus, load_corpus
    from painlit.model import Certainty, Claim, Corpus, Study
    from painlit.paths import default_corpus_path

# The public names are imported on first use, so `import painlit.cli` (every command) does
# not pay for PyYAML and the loader when the corpus comes from the index.
_HOME = {
    "CorpusError": "errors", "PainlitError": "errors", "Problem": "errors",
    "UnknownNameError": "errors", "Grade": "grading", "Verdict": "grading",
    "grade_all": "grading", "grade_claim": "grading", "check_corpus": "loader",
    "load_corpus": "loader", "default_corpus_path": "paths", "Certainty": "model",
    "Claim": "model", "Corpus": "model", "Study": "model",
}


def __getattr__(name: str) -> object:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'painlit' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"painlit.{module}"), name)


__all__ = [
    "Certainty",
    "Claim",
    "Corpus",
    "CorpusError",
    "Grade",
    "PainlitError",
    "Problem",
    "Study",
    "UnknownNameError",
    "Verdict",
    "__version__",
    "check_corpus",
    "default_corpus_path",
    "grade_all",
    "grade_claim",
    "load_corpus",
]
