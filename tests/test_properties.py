"""Property-based tests: no file makes the loader, the grader or `painlit validate` crash or hang.

Inputs are the real corpus (data/studies.yaml) mutated as a Python structure and dumped back to
YAML, the real corpus text spliced with YAML fragments, random YAML documents, random text and
bytes, and alias bombs. Whatever the input, `check_corpus` either returns a corpus (which must
then grade) or problems that are located inside the file, never an exception or a hang.

Bounded so the file runs in well under a minute: see PROFILE. With CI=true the examples are
derandomized so a CI run is reproducible; PAINLIT_PROPERTY_EXAMPLES=N runs N examples per
property for a longer local fuzzing session. Bugs the properties found are pinned by plain
regression tests at the end of the file.
"""

from __future__ import annotations

import copy
import json
import os
import re
import signal
import tempfile
import time
import tracemalloc
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from painlit.cli import app
from painlit.dosing import dose_warnings
from painlit.errors import CorpusError, Problem, Severity
from painlit.grading import curation_warnings, grade_all
from painlit.loader import check_corpus
from painlit.model import Corpus
from painlit.paths import default_corpus_path

REAL = default_corpus_path()
REAL_TEXT = REAL.read_text(encoding="utf-8")
REAL_DOC: dict[str, Any] = yaml.safe_load(REAL_TEXT)
REAL_LINES = REAL_TEXT.splitlines(keepends=True)
SECTIONS = ("conditions", "mechanisms", "substances", "sources", "studies", "claims")

_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")
_EXAMPLES = int(os.environ.get("PAINLIT_PROPERTY_EXAMPLES", "0") or 0)

settings.register_profile(
    "painlit-properties",
    max_examples=50,
    deadline=None,  # a slow example is caught by _time_limit below, not by timing noise
    derandomize=_CI,
    **({"database": None} if _CI else {}),
    print_blob=True,
    # The autouse HOME-isolating fixture in conftest.py is function-scoped; it need not be reset
    # between examples. Each example writes its own files under a fresh temporary directory.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                           HealthCheck.data_too_large, HealthCheck.large_base_example],
)
PROFILE = settings.get_profile("painlit-properties")


def profile(examples: int) -> settings:
    """The profile with this property's number of examples."""
    return settings(PROFILE, max_examples=_EXAMPLES or examples)


#: Seconds one check may take before it counts as a hang (typical: 0.05 s).
LIMIT = 20.0
#: YAML 1.1 line breaks, as libyaml counts lines.
LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


# --- the oracle ------------------------------------------------------------------------------

class Hang(BaseException):
    """A single check ran past LIMIT seconds (not an Exception: nothing may swallow it)."""


@contextmanager
def _time_limit(seconds: float = LIMIT) -> Iterator[None]:
    """Turn a hang into a test failure (Unix: SIGALRM; elsewhere the check is unbounded)."""
    if not hasattr(signal, "setitimer"):  # pragma: no cover - Windows
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise Hang(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _as_text(raw: bytes) -> str:
    """The file as the loader sees it, for bounding line numbers (bad bytes become U+FFFD)."""
    return raw.decode("utf-8", errors="replace").removeprefix("\ufeff")


def assert_well_formed(problems: list[Problem], path: Path, raw: bytes) -> None:
    """Every problem names the file, has a message and lies inside the file."""
    lines = LINE_BREAK.split(_as_text(raw))
    for problem in problems:
        assert isinstance(problem, Problem)
        assert problem.path == str(path)
        assert isinstance(problem.message, str) and problem.message.strip(), problem
        assert isinstance(problem.record, str) and isinstance(problem.field, str)
        assert problem.hint is None or problem.hint.strip()
        assert problem.severity in (Severity.ERROR, Severity.WARNING)
        assert problem.line >= 0 and problem.column >= 0, problem
        assert problem.line <= len(lines), (problem, len(lines))
        if problem.line == 0:
            assert problem.column == 0, problem
        else:
            assert 1 <= problem.column <= len(lines[problem.line - 1]) + 1, problem
        assert str(problem).startswith(problem.where)


def check_file(path: Path) -> tuple[Corpus | None, list[Problem]]:
    """check_corpus on `path` plus everything `painlit validate` then runs: no exception, no
    hang, and either a corpus that grades or at least one located error."""
    raw = path.read_bytes()
    with _time_limit():
        try:
            corpus, problems = check_corpus(path)
        except CorpusError as error:
            corpus, problems = None, list(error.problems)
            assert problems, "a CorpusError must carry its problems"
        if corpus is not None:
            grades = grade_all(corpus)
            assert set(grades) == {claim.id for claim in corpus.claims}
            extra = curation_warnings(corpus) + dose_warnings(corpus)
            assert all(p.severity is Severity.WARNING for p in extra)
    assert_well_formed(problems, path, raw)
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if corpus is None:
        assert errors, "no corpus, yet no error says why"
    else:
        assert not errors
    assert problems == sorted(problems, key=lambda p: (p.line, p.column))
    return corpus, problems


@contextmanager
def _corpus_file(content: bytes) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="painlit-prop-") as folder:
        path = Path(folder) / "studies.yaml"
        path.write_bytes(content)
        yield path


_C_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _dump(doc: Any, data: st.DataObject, *, small: bool = False) -> bytes:
    """`doc` as yaml.safe_dump writes it. A whole corpus takes 0.3 s in the pure-Python
    dumper and 0.07 s in libyaml's, with the same representer: small documents try both."""
    dumper = data.draw(st.sampled_from([yaml.SafeDumper, _C_DUMPER]), label="dumper") if small \
        else _C_DUMPER
    unicode = data.draw(st.booleans(), label="allow_unicode")
    text: str = yaml.dump(doc, Dumper=dumper, allow_unicode=unicode, sort_keys=False)
    return text.encode("utf-8")


# --- strategies ------------------------------------------------------------------------------

_HOSTILE = (
    "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85\x9f\u00a0\u200b\u200e\u200f\u202a\u202e\u2066\u2069"
    "\u2028\u2029\ufeff\ufffe\uffff\t\r\n \"'\\:#&*!|>%@`{}[],-?~"
    "😀👍🏽🧪🏳️‍🌈שלוםمرحبا𝔘"
)
hostile_text = st.text(
    alphabet=st.one_of(st.sampled_from(_HOSTILE), st.characters(codec="utf-8")), max_size=40,
)
long_text = st.builds(
    lambda unit, count: unit * count,
    st.sampled_from(["x", "😀", "\u202e", "word ", "ש", "\x00"]),
    st.integers(1_000, 120_000),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([10**18, -(10**18), 10**300, 10**4000, 2**64]),
    st.floats(),
    st.dates(),
    st.datetimes(),
    hostile_text,
    st.text(max_size=20),
    st.binary(max_size=8),
)
junk = st.one_of(
    scalars,
    long_text,
    st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(st.one_of(st.text(max_size=8), st.integers(), st.booleans(),
                                      st.none(), st.dates()), children, max_size=4),
            st.sets(st.integers(), max_size=3),
        ),
        max_leaves=12,
    ),
)
unknown_ids = st.from_regex(r"[a-z0-9]{1,10}", fullmatch=True).map(lambda s: f"zz-{s}")

# Where a record names another record: (section, field, referenced section); `evidence` is the
# claim's list of {study: ...} links and `parent` a condition's single parent.
REFERENCES = (
    ("studies", "conditions", "conditions"), ("studies", "substances", "substances"),
    ("studies", "mechanisms", "mechanisms"), ("claims", "sources", "sources"),
    ("claims", "conditions", "conditions"), ("claims", "mechanisms", "mechanisms"),
    ("claims", "evidence", "studies"), ("conditions", "parent", "conditions"),
)
REQUIRED = {
    "studies": ("id", "title", "year", "design", "population", "dose", "status"),
    "claims": ("id", "statement", "intervention", "effect", "outcome", "topic"),
    "conditions": ("id", "name"),
    "mechanisms": ("id", "name", "description"),
    "substances": ("id", "name"),
    "sources": ("id", "title", "kind"),
}


# --- mutations of the real corpus as a Python structure --------------------------------------

Slot = tuple[dict[Any, Any] | list[Any], Any, str]


def _slots(doc: Any) -> list[Slot]:
    """Every (container, key, readable path) in the document, parents before children."""
    found: list[Slot] = []
    queue: deque[tuple[Any, str]] = deque([(doc, "")])
    seen: set[int] = set()
    while queue:
        node, where = queue.popleft()
        if id(node) in seen:  # a record shared by a `duplicate` mutation
            continue
        seen.add(id(node))
        items: list[tuple[Any, Any]] = (
            list(node.items()) if isinstance(node, dict)
            else list(enumerate(node)) if isinstance(node, list) else []
        )
        for key, value in items:
            path = f"{where}[{key}]" if isinstance(node, list) else f"{where}.{key}"
            found.append((node, key, path))
            if isinstance(value, dict | list):
                queue.append((value, path))
    return found


def _records(doc: Any, section: str) -> list[dict[Any, Any]]:
    items = doc.get(section) if isinstance(doc, dict) else None
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _ids(doc: Any, section: str) -> list[str]:
    return [r["id"] for r in _records(doc, section) if isinstance(r.get("id"), str)]


def _pick_slot(doc: Any, data: st.DataObject, want: Callable[[Any], bool] = bool) -> Slot | None:
    slots = [slot for slot in _slots(doc) if want(slot[0][slot[1]])]
    if not slots:
        return None
    return slots[data.draw(st.integers(0, len(slots) - 1), label="slot")]


def m_delete(doc: Any, data: st.DataObject) -> None:
    slot = _pick_slot(doc, data, lambda value: True)
    if slot is not None:
        container, key, path = slot
        note(f"delete {path}")
        del container[key]


def m_retype(doc: Any, data: st.DataObject) -> None:
    slot = _pick_slot(doc, data, lambda value: True)
    if slot is not None:
        container, key, path = slot
        value = data.draw(junk, label="junk")
        note(f"replace {path} with {value!r:.200}")
        container[key] = value


def m_unicode(doc: Any, data: st.DataObject) -> None:
    slot = _pick_slot(doc, data, lambda value: isinstance(value, str))
    if slot is not None:
        container, key, path = slot
        value: str = container[key]
        at = data.draw(st.integers(0, len(value)), label="at")
        extra = data.draw(st.one_of(hostile_text, long_text), label="text")
        note(f"insert {extra!r:.200} into {path} at {at}")
        container[key] = value[:at] + extra + value[at:]


def m_reference(doc: Any, data: st.DataObject) -> None:
    section, field, target = data.draw(st.sampled_from(REFERENCES), label="reference")
    records = [r for r in _records(doc, section) if field in r]
    if not records:
        return
    record = data.draw(st.sampled_from(records), label="record")
    others = [s for s in SECTIONS if s not in ("claims",)]
    replacement = data.draw(st.one_of(
        st.sampled_from(_ids(doc, target) or ["nothing"]),  # valid, maybe a duplicate link
        st.sampled_from(others).flatmap(lambda s: st.sampled_from(_ids(doc, s) or ["none"])),
        unknown_ids, hostile_text, junk,
    ), label="replacement")
    note(f"{section} {record.get('id')!r:.80}: {field} -> {replacement!r:.200}")
    value = record[field]
    if field == "parent":
        record[field] = replacement
    elif field == "evidence" and isinstance(value, list) and value:
        link = data.draw(st.sampled_from(value), label="link")
        if isinstance(link, dict):
            link["study"] = replacement
    elif isinstance(value, list) and value:
        value[data.draw(st.integers(0, len(value) - 1), label="index")] = replacement
    else:
        record[field] = [replacement]


def m_cycle(doc: Any, data: st.DataObject) -> None:
    conditions = _records(doc, "conditions")
    if not conditions:
        return
    chain = data.draw(st.lists(st.sampled_from(conditions), min_size=1, max_size=4,
                               unique_by=id), label="cycle")
    note("cycle through " + " -> ".join(repr(c.get("id"))[:40] for c in chain))
    for here, there in zip(chain, chain[1:] + chain[:1], strict=True):
        here["parent"] = there.get("id")


def m_duplicate(doc: Any, data: st.DataObject) -> None:
    section = data.draw(st.sampled_from(SECTIONS), label="section")
    items = doc.get(section) if isinstance(doc, dict) else None
    if not isinstance(items, list) or not items:
        return
    original = data.draw(st.sampled_from(items), label="original")
    how = data.draw(st.sampled_from(["copy", "copy-new-id", "shared"]), label="how")
    twin = original if how == "shared" else copy.deepcopy(original)  # shared: a YAML alias
    if how == "copy-new-id" and isinstance(twin, dict):
        twin["id"] = data.draw(unknown_ids, label="new id")  # same DOI/PMID, new id
    at = data.draw(st.integers(0, len(items)), label="at")
    note(f"{how} of a {section} record at {at}")
    items.insert(at, twin)


def m_unknown_key(doc: Any, data: st.DataObject) -> None:
    slot = _pick_slot(doc, data, lambda value: isinstance(value, dict))
    if slot is not None:
        container, key, path = slot
        new_key = data.draw(st.one_of(st.text(max_size=30), hostile_text, st.integers(),
                                      st.none(), st.booleans(), st.dates()), label="key")
        note(f"add key {new_key!r:.100} to {path}")
        container[key][new_key] = data.draw(junk, label="value")


def m_swap(doc: Any, data: st.DataObject) -> None:
    slot = _pick_slot(doc, data, lambda value: isinstance(value, dict) and len(value) >= 2)
    if slot is not None:
        container, key, path = slot
        record = container[key]
        first, second = data.draw(st.lists(st.sampled_from(list(record)), min_size=2,
                                           max_size=2, unique=True), label="keys")
        note(f"swap {path}.{first} and {path}.{second}")
        record[first], record[second] = record[second], record[first]


MUTATIONS = (m_delete, m_retype, m_unicode, m_reference, m_cycle, m_duplicate, m_unknown_key,
             m_swap)


def _mutated_corpus(data: st.DataObject) -> Any:
    doc = copy.deepcopy(REAL_DOC)
    for mutate in data.draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=4),
                            label="mutations"):
        mutate(doc, data)
    return doc


def test_the_real_corpus_round_trips_cleanly() -> None:
    # The baseline the mutations start from: dumped back unchanged it is a clean corpus.
    with _corpus_file(yaml.safe_dump(REAL_DOC, allow_unicode=True, sort_keys=False)
                      .encode()) as path:
        corpus, problems = check_file(path)
    assert corpus is not None
    assert [p for p in problems if p.severity is Severity.ERROR] == []
    assert len(corpus.studies) == len(REAL_DOC["studies"])


@profile(75)
@given(st.data())
def test_mutated_real_corpus_loads_or_reports(data: st.DataObject) -> None:
    with _corpus_file(_dump(_mutated_corpus(data), data)) as path:
        check_file(path)


@profile(40)
@given(st.data())
def test_an_unknown_reference_is_reported_on_its_line(data: st.DataObject) -> None:
    doc = copy.deepcopy(REAL_DOC)
    section, field, target = data.draw(st.sampled_from(REFERENCES), label="reference")
    records = [r for r in _records(doc, section) if r.get(field)]
    record = data.draw(st.sampled_from(records), label="record")
    missing = data.draw(unknown_ids, label="missing")
    if field == "parent":
        record[field] = missing
    elif field == "evidence":
        data.draw(st.sampled_from(record[field]), label="link")["study"] = missing
    else:
        record[field][data.draw(st.integers(0, len(record[field]) - 1))] = missing
    with _corpus_file(_dump(doc, data)) as path:
        corpus, problems = check_file(path)
        lines = LINE_BREAK.split(_as_text(path.read_bytes()))
    assert corpus is None
    [problem] = [p for p in problems if p.severity is Severity.ERROR]
    assert problem.message == f"'{missing}' is not in {target}"
    assert (problem.record, problem.field.split("[")[0]) == (record["id"], field)
    assert lines[problem.line - 1][problem.column - 1:].lstrip("'\"").startswith(missing)


@profile(40)
@given(st.data())
def test_a_missing_required_field_is_reported_at_its_record(data: st.DataObject) -> None:
    doc = copy.deepcopy(REAL_DOC)
    section = data.draw(st.sampled_from(list(REQUIRED)), label="section")
    index = data.draw(st.integers(0, len(doc[section]) - 1), label="index")
    record = doc[section][index]
    key = data.draw(st.sampled_from(REQUIRED[section]), label="key")
    record_id = record["id"]
    del record[key]
    with _corpus_file(_dump(doc, data)) as path:
        corpus, problems = check_file(path)
        lines = LINE_BREAK.split(_as_text(path.read_bytes()))
    assert corpus is None
    label = f"{section}[{index}]" if key == "id" else record_id
    found = [p for p in problems if (p.record, p.field, p.message)
             == (label, key, "required field is missing")]
    assert len(found) == 1, problems
    # Located at the record: its first remaining key starts there.
    first_key = next(iter(record))
    assert lines[found[0].line - 1][found[0].column - 1:].startswith(f"{first_key}:")


# --- the real corpus as text, spliced ---------------------------------------------------------

RAW_TOKENS = (
    "0x" + "f" * 5000, "0b" + "1" * 20000, "1" + ":1" * 3000, "-0x1_0", "1e999", ".nan",
    "-.inf", "0o777", "0777", "1_000", "~", "null", "yes", "No", "on", "2020-13-45",
    "2020-02-30", "2020-01-01T25:00:00", "2020-01-01 00:00:00 +99:00", "9999-12-31",
    "0000-01-01", "!!python/object/apply:os.system ['true']", "!!python/name:os.system",
    "!!binary aGVsbG8=", "!!set {a, b}", "!!omap [a: 1]", "!!int abc", "!!float x",
    "!!timestamp nope", "!!bool maybe", "!!int ''", "!!float ''", "!!bool ''", "!!timestamp ''",
    "!!int '-'", "!!str", "!!map {}", "!!seq []", "!custom x",
    "!<tag:yaml.org,2002:str> x", "&a x", "&a", "*a", "*undefined", "<<: *a", "<<: {x: 1}",
    "? [a, b]\n: c", "? ", "{", "[", "]", "}", "{a: [b, {c: d}]}", "'unterminated",
    '"bad \\q escape"', '"\\0\\a\\e\\x85\\u2028\\U0001F600"', "|", ">-", "|-\n  block\n",
    "\t", "- ", ": ", "---", "...", "--- !!map", "%YAML 1.1", "%YAML 2.0", "%TAG ! tag:x,2000:",
    "# comment", "\n", "\r", "\r\n", "\ufeff", "\x00", "\x85", "\u2028", " " * 200,
    "[" * 300, "{a: " * 200, "- " * 200, "a", "id: x", "  - id: x", "    evidence: *a",
)
raw_fragment = st.lists(
    st.one_of(st.sampled_from(RAW_TOKENS), hostile_text), min_size=1, max_size=8,
).map("".join)


@profile(60)
@given(st.data())
def test_spliced_real_corpus_text_loads_or_reports(data: st.DataObject) -> None:
    lines = list(REAL_LINES)
    for _ in range(data.draw(st.integers(1, 3), label="splices")):
        at = data.draw(st.integers(0, len(lines) - 1), label="line")
        how = data.draw(st.sampled_from(["insert", "value", "delete", "indent", "dedent",
                                         "duplicate"]), label="how")
        note(f"{how} at line {at + 1}: {lines[at]!r:.100}")
        if how == "insert":
            lines.insert(at, data.draw(raw_fragment, label="fragment") + "\n")
        elif how == "value":
            key, colon, _ = lines[at].partition(": ")
            fragment = data.draw(raw_fragment, label="fragment")
            lines[at] = (key + colon if colon else lines[at].rstrip("\n") + " ") + fragment + "\n"
        elif how == "delete":
            del lines[at]
        elif how == "indent":
            lines[at] = data.draw(st.sampled_from([" ", "  ", "\t", "    "])) + lines[at]
        elif how == "dedent":
            lines[at] = lines[at][data.draw(st.integers(1, 4)):]
        else:
            lines.insert(at, lines[at])
    prefix = data.draw(st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xef\xbb"]),
                       label="prefix")
    with _corpus_file(prefix + "".join(lines).encode("utf-8")) as path:
        check_file(path)


# --- random documents, text and bytes --------------------------------------------------------

yaml_values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(st.one_of(st.text(max_size=10), st.integers(), st.none(),
                                  st.booleans()), children, max_size=5),
    ),
    max_leaves=30,
)


def _section_keys(section: str) -> list[str]:
    return sorted({key for record in REAL_DOC[section] for key in record})


# Corpus-shaped documents reach deeper into the loader than arbitrary ones: real section and
# field names, random values.
corpus_shaped = st.fixed_dictionaries(
    {},
    optional={
        "corpus": st.dictionaries(st.sampled_from(sorted(REAL_DOC["corpus"])), yaml_values),
        **{
            section: st.lists(
                st.dictionaries(st.sampled_from(_section_keys(section)),
                                yaml_values | st.sampled_from(_ids(REAL_DOC, section)),
                                max_size=8),
                max_size=4,
            )
            for section in SECTIONS
        },
        "unknown": yaml_values,
    },
)


@profile(75)
@given(st.data())
def test_random_yaml_documents_load_or_report(data: st.DataObject) -> None:
    doc = data.draw(st.one_of(yaml_values, corpus_shaped), label="document")
    with _corpus_file(_dump(doc, data, small=True)) as path:
        check_file(path)


@profile(75)
@given(st.one_of(
    st.binary(max_size=400),
    st.text(max_size=400).map(lambda text: text.encode("utf-8")),
    st.lists(st.one_of(st.sampled_from(RAW_TOKENS), hostile_text, st.sampled_from(REAL_LINES)),
             max_size=40).map(lambda parts: "".join(parts).encode("utf-8")),
    st.tuples(st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff",
                               b"\xef\xbb\xbf\xef\xbb\xbf", b"\t", b"\x00"]),
              st.text(max_size=200).map(lambda text: text.encode("utf-8")))
    .map(lambda pair: pair[0] + pair[1]),
))
def test_random_text_and_bytes_load_or_report(content: bytes) -> None:
    with _corpus_file(content) as path:
        check_file(path)


@profile(50)
@given(st.data())
def test_invalid_utf8_is_located_at_the_first_bad_byte(data: st.DataObject) -> None:
    text = data.draw(st.text(st.characters(codec="utf-8"), max_size=300), label="text")
    at = data.draw(st.integers(0, len(text)), label="at")
    bad = data.draw(st.sampled_from([b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80",
                                     b"\xc0\xaf", b"\x80"]), label="bad")
    bom = data.draw(st.sampled_from([b"", b"\xef\xbb\xbf"]), label="bom")
    content = bom + text[:at].encode() + bad + text[at:].encode()
    with _corpus_file(content) as path, pytest.raises(CorpusError) as caught:
        check_corpus(path)
    [problem] = caught.value.problems
    # read_text drops one byte order mark, whether written as bytes or drawn as a character.
    before = LINE_BREAK.split((("\ufeff" if bom else "") + text[:at]).removeprefix("\ufeff"))
    assert problem.message == f"not UTF-8 text (byte 0x{bad[0]:02x})"
    assert (problem.line, problem.column) == (len(before), len(before[-1]) + 1)


# --- alias bombs -----------------------------------------------------------------------------

def _bomb(levels: int, width: int, kind: str) -> str:
    """`lol:` holding anchors &a0..&aN, each level `width` aliases of the one below."""
    lines = ["lol:"]
    for level in range(levels):
        below = [f'"lol{i}"' for i in range(width)] if level == 0 else [f"*a{level - 1}"] * width
        if kind == "map":
            body = "{" + ", ".join(f"k{i}: {item}" for i, item in enumerate(below)) + "}"
        else:
            body = "[" + ", ".join(below) + "]"
        lines.append(f"  - &a{level} {body}")
    if kind == "recursive":
        lines.append("  - &r [*r, *r]")
        lines.append("  - &m {id: *m, dose: *m, <<: *m}")
    return "\n".join(lines) + "\n"


PLACEMENTS = ("unused", "authors", "evidence", "conditions", "dose", "title", "merge", "record",
              "section", "judgements")


def _first_record(lines: list[str], section: str) -> tuple[int, str]:
    """The index of the section's first `- id:` line, and that line's indentation."""
    start = lines.index(f"{section}:\n")
    index = next(i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("- id:"))
    return index, lines[index][: len(lines[index]) - len(lines[index].lstrip())]


def _with_bomb(levels: int, width: int, kind: str, placement: str) -> str:
    top = f"*a{levels - 1}"
    if kind == "recursive":
        top = "*m" if placement in ("dose", "record", "judgements", "merge") else "*r"
    lines = list(REAL_LINES)
    section = "claims" if placement in ("evidence", "judgements") else "studies"
    index, indent = _first_record(lines, section)
    if placement in ("authors", "conditions", "dose", "title", "evidence", "judgements"):
        lines.insert(index + 1, f"{indent}  {placement}: {top}\n")
    elif placement == "merge":
        lines[index] = lines[index].replace("- id:", f"- <<: {top}\n{indent}  id:", 1)
    elif placement == "record":
        lines.insert(index, f"{indent}- {top}\n")
    elif placement == "section":
        lines.insert(lines.index("substances:\n"), f"extra: {top}\n")
    return _bomb(levels, width, kind) + "".join(lines)


@profile(25)
@given(levels=st.integers(1, 12), width=st.integers(1, 12),
       kind=st.sampled_from(["list", "map", "recursive"]), placement=st.sampled_from(PLACEMENTS))
def test_alias_bombs_finish_without_exploding(levels: int, width: int, kind: str,
                                             placement: str) -> None:
    # Up to 12**12 (nearly 9 trillion) strings if anything expanded the aliases.
    with _corpus_file(_with_bomb(levels, width, kind, placement).encode()) as path:
        tracemalloc.start()
        started = time.monotonic()
        try:
            corpus, problems = check_file(path)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert time.monotonic() - started < 10
    assert peak < 64 * 1024 * 1024
    # `lol` is never a corpus section, so the bomb is always reported.
    assert corpus is None
    assert any(p.field == "lol" and p.message == "unknown key" for p in problems)


# --- the CLI ---------------------------------------------------------------------------------

RUNNER = CliRunner()


def _bad_file(data: st.DataObject) -> bytes:
    """A file that is certainly not a clean corpus."""
    kind = data.draw(st.sampled_from(["mutated", "bytes", "bomb", "nul"]), label="kind")
    if kind == "mutated":
        doc = _mutated_corpus(data)
        if isinstance(doc, dict):
            doc["painlit-properties"] = True  # an unknown section: always an error
        return _dump(doc if isinstance(doc, dict) else [doc], data)
    if kind == "bytes":
        content = data.draw(st.binary(max_size=300), label="bytes")
        return content + b"\n\xff"
    if kind == "bomb":
        return _with_bomb(9, 9, "list", data.draw(st.sampled_from(PLACEMENTS))).encode()
    at = data.draw(st.integers(0, len(REAL_TEXT)), label="at")
    return (REAL_TEXT[:at] + "\x00" + REAL_TEXT[at:]).encode()


@profile(20)
@given(st.data())
def test_validate_cli_reports_bad_files_without_a_traceback(data: st.DataObject) -> None:
    content = _bad_file(data)
    output_format = data.draw(st.sampled_from(["text", "json", "github"]), label="format")
    strict = data.draw(st.booleans(), label="strict")
    with _corpus_file(content) as path:
        with _time_limit():
            result = RUNNER.invoke(
                app, ["validate", str(path), "--format", output_format,
                      *(["--strict"] if strict else [])],
                env={"PAINLIT_DATA": None, "PAINLIT_DEBUG": None, "NO_COLOR": "1"},
            )
        assert path.read_bytes() == content, "validate changed the file"
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exc_info
    )
    output = result.stdout + result.stderr
    assert result.exit_code in (1, 3), output[-2000:]
    assert "Traceback" not in output
    assert "internal error" not in output
    if output_format == "json":
        document = json.loads(result.stdout)
        assert isinstance(document, dict)


# --- regression tests for bugs the properties found ------------------------------------------

def _problems_of(content: bytes) -> list[Problem]:
    with _corpus_file(content) as path:
        corpus, problems = check_file(path)
    assert corpus is None
    return [p for p in problems if p.severity is Severity.ERROR]


MINIMAL = Path(__file__).parent / "fixtures" / "corpus" / "minimal.yaml"


@pytest.mark.parametrize("number", [
    "0x" + "f" * 4000,  # 4817 decimal digits: str() raised ValueError (int max str digits)
    "0b" + "1" * 15000,
    "1" + ":1" * 3000,  # base 60: as large, and built in quadratic time
])
@pytest.mark.parametrize("field", ["year", "n"])
def test_overlong_whole_numbers_are_reported_not_raised(field: str, number: str) -> None:
    head, studies, tail = MINIMAL.read_text().partition("\nstudies:\n")
    text = head + studies + tail.replace(f"    {field}: ", f"    {field}: {number}  # ", 1)
    [problem] = _problems_of(text.encode())
    assert (problem.record, problem.field) == ("example-2020", field)
    assert problem.message.endswith("is not a valid number")


def test_a_long_base_60_number_does_not_hang() -> None:
    # Before the fix `n: 1:1:1:...` (400 KB) took minutes; now it is refused by its length.
    text = MINIMAL.read_text()
    line = text.splitlines().index("    n: 40") + 1
    text = text.replace("    n: 40", "    n: 1" + ":1" * 200_000, 1)
    started = time.monotonic()
    [problem] = _problems_of(text.encode())
    assert time.monotonic() - started < 5
    assert (problem.record, problem.field, problem.line) == ("example-2020", "n", line)


def test_a_control_character_is_located_on_its_line() -> None:
    # Was: line 0 and a two-line message ending `in "<unicode string>", position 59`.
    content = "corpus:\n  title: \"é😀\"\n  version: x\x07y\n".encode()
    with _corpus_file(content) as path, pytest.raises(CorpusError) as caught:
        check_corpus(path)
    [problem] = caught.value.problems
    assert (problem.line, problem.column) == (3, 13)
    assert problem.message == (
        "not valid YAML: character U+0007 is not allowed (control characters are not allowed)")
    assert "\n" not in str(problem)


def test_a_nul_after_crlf_and_unicode_line_breaks_is_located() -> None:
    content = "a: 1\r\nb: 2\rc: \u2028d: \x00".encode()
    with _corpus_file(content) as path, pytest.raises(CorpusError) as caught:
        check_corpus(path)
    assert [(p.line, p.column) for p in caught.value.problems] == [(4, 4)]


def test_invalid_utf8_column_counts_characters_not_bytes() -> None:
    # Was column 11: the bytes of "é" and "😀" were counted.
    content = b'\xef\xbb\xbfa: "\xc3\xa9\xf0\x9f\x98\x80\xff"\n'
    with _corpus_file(content) as path, pytest.raises(CorpusError) as caught:
        check_corpus(path)
    assert [(p.line, p.column, p.message) for p in caught.value.problems] == [
        (1, 7, "not UTF-8 text (byte 0xff)")]


@pytest.mark.parametrize(("content", "line", "column"), [
    (b"(:\n.", 2, 2),  # was line 3: libyaml adds a line break at the end of the stream
    (b"a: [", 1, 5),  # was 2:1
    (b"a: [\n", 2, 1),  # the end of a file that ends with a newline is the next line's start
])
def test_a_syntax_error_at_the_end_of_the_file_is_inside_it(content: bytes, line: int,
                                                            column: int) -> None:
    with _corpus_file(content) as path, pytest.raises(CorpusError) as caught:
        check_corpus(path)
    assert [(p.line, p.column) for p in caught.value.problems] == [(line, column)]


@pytest.mark.parametrize(("value", "message"), [
    ("!!bool maybe", "'maybe' is not a valid true/false"),  # was KeyError
    ("!!bool ''", "'' is not a valid true/false"),  # was KeyError
    ("!!timestamp nope", "'nope' is not a valid date"),  # was AttributeError
    ("!!int ''", "'' is not a valid number"),  # was IndexError
    ("!!float ''", "'' is not a valid number"),  # was IndexError
])
def test_an_explicit_tag_on_a_value_that_does_not_fit_is_reported(value: str,
                                                                   message: str) -> None:
    text = MINIMAL.read_text().replace('  title: "Synthetic test corpus"', f"  title: {value}")
    problems = _problems_of(text.encode())
    assert [(p.line, p.column, p.record, p.field, p.message) for p in problems] == [
        (5, 10, "corpus", "title", message)]


@pytest.mark.parametrize(("content", "located"), [
    (b"---", [(1, 4, "", "the file holds nothing, not a corpus mapping")]),  # was line 2
    (b"studies:\n-", [(1, 1, "corpus", "required field is missing"),
                      (2, 2, "studies[0]", "expected a mapping, found nothing")]),  # was 3:1
])
def test_an_empty_value_at_the_end_of_a_file_without_final_newline_is_inside_it(
        content: bytes, located: list[tuple[int, int, str, str]]) -> None:
    with _corpus_file(content) as path:
        try:
            _, problems = check_corpus(path)
        except CorpusError as error:
            problems = list(error.problems)
    assert [(p.line, p.column, p.subject, p.message) for p in problems] == located

def test_a_long_dose_text_does_not_slow_validation() -> None:
    doc = copy.deepcopy(REAL_DOC)
    [study] = [s for s in doc["studies"] if s["id"] == "cavarra-2025"]  # LSD, in people
    study["dose"]["reported"] = "1-" * 2500 + "x"  # 5 KB: over a second; linear: 0.1 s
    with _corpus_file(yaml.dump(doc, Dumper=_C_DUMPER).encode()) as path:
        started = time.monotonic()
        check_file(path)
    assert time.monotonic() - started < 0.5
