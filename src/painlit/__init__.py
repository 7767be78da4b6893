"""painlit: a graded evidence map of psychedelic microdosing for chronic pain.

The library is usable without the command line::

    from painlit import load_corpus, grade_claim
    corpus = load_corpus(default_corpus_path())
    for claim in corpus.claims:
        print(claim.id, grade_claim(claim, corpus).label)
"""

from painlit.errors import CorpusError, PainlitError, Problem, UnknownNameError
from painlit.grading import Grade, Verdict, grade_all, grade_claim
from painlit.loader import check_corpus, default_corpus_path, load_corpus
from painlit.model import Certainty, Claim, Corpus, Study

__version__ = "0.1.0"

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
