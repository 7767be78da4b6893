"""The library's exception hierarchy and the located problem record.

The library raises only these; the CLI maps each class to a message and an exit code in one
place (`painlit.commands.shared._fail`). Every error carries a hint where one helps the user
recover.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from painlit.frozen import frozen
from painlit.text import one_line


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@frozen
class Problem:
    """One thing wrong with a corpus file, located as precisely as the file allows."""

    path: str
    line: int  # 1-based; 0 when the problem concerns the whole file
    column: int  # 1-based; 0 when unknown
    record: str  # e.g. "bonnelle-2022", "studies[3]", "corpus"; "" for the whole file
    field: str  # e.g. "dose.category"; "" when the record itself is the problem
    message: str
    hint: str | None = None
    severity: Severity = Severity.ERROR

    @property
    def where(self) -> str:
        location = self.path
        if self.line:
            location += f":{self.line}:{self.column or 1}"
        return location

    @property
    def subject(self) -> str:
        return ".".join(part for part in (self.record, self.field) if part)

    def __str__(self) -> str:
        """One line, whatever the file held: a line break in a key or value can never print a
        second, forged `file:line:` line."""
        text = f"{self.where}: "
        if self.subject:
            text += f"{self.subject}: "
        text += self.message
        if self.hint:
            text += f" ({self.hint})"
        return one_line(text)


class PainlitError(Exception):
    """Base class of every error the library raises on purpose."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class CorpusError(PainlitError):
    """The corpus file cannot be read or is not a valid corpus."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        errors = [p for p in self.problems if p.severity is Severity.ERROR]
        first = str(errors[0]) if errors else "invalid corpus"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(first + more, hint="run `painlit validate` to see every problem")


class UnknownNameError(PainlitError):
    """A condition, mechanism, claim, study or source name that the corpus does not hold."""

    def __init__(self, kind: str, name: str, suggestions: Sequence[str]) -> None:
        self.kind = kind
        self.name = name
        self.suggestions = tuple(suggestions)
        listing = "studies" if kind == "study" else f"{kind}s"
        hint = (
            "did you mean " + ", ".join(f"'{s}'" for s in self.suggestions) + "?"
            if self.suggestions
            else f"`painlit {listing}` lists them"
        )
        super().__init__(f"no {kind} called '{name}'", hint=hint)


class OutputError(PainlitError):
    """A report or export could not be written where the user asked."""


class ArticleError(PainlitError):
    """An article given to `painlit check` cannot be read (empty, binary, too large, no text)."""


class ServiceError(PainlitError):
    """An online service could not be reached or answered with something unusable."""


class ChangesFound(PainlitError):
    """A check found differences the caller asked to fail on (verify mismatches, diff changes)."""


class Closest:
    """'Did you mean' hints among `choices` (difflib's close matches, case-insensitive). Among
    more than SCAN_ALL choices (the ids of a 100,000-study corpus), only the NEAR choices
    around the word in sorted order, and around it read backwards, are compared: a word
    differing at its end or at its start sits near its intended id in one of the two. Without
    that, each hint compared every id (over a second apiece at 100,000 studies)."""

    SCAN_ALL = 1000
    NEAR = 64

    def __init__(self, choices: Sequence[str]) -> None:
        self._lowered = {choice.lower(): choice for choice in choices}
        self._sorted: tuple[list[str], list[str]] | None = None

    def __call__(self, word: str, n: int = 3) -> list[str]:
        import difflib

        wanted = word.lower()
        keys = list(self._lowered) if len(self._lowered) <= self.SCAN_ALL else self._near(wanted)
        found = difflib.get_close_matches(wanted, keys, n=n, cutoff=0.6)
        return [self._lowered[item] for item in found]

    def _near(self, word: str) -> list[str]:
        import bisect

        if self._sorted is None:
            self._sorted = (sorted(self._lowered), sorted(key[::-1] for key in self._lowered))
        forward, backward = self._sorted
        at, back_at = bisect.bisect(forward, word), bisect.bisect(backward, word[::-1])
        near = forward[max(at - self.NEAR, 0):at + self.NEAR]
        near.extend(key[::-1] for key in backward[max(back_at - self.NEAR, 0):
                                                  back_at + self.NEAR])
        return list(dict.fromkeys(near))


def closest(word: str, choices: Sequence[str], n: int = 3) -> list[str]:
    """The choices most like `word`, for 'did you mean' hints."""
    return Closest(choices)(word, n)
