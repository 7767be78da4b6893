"""An article as painlit reads it: its readable text cut into blocks and sentences.

`read_article` takes the bytes of a plain-text, Markdown or HTML file. HTML goes through
trafilatura (a maintained main-content extractor: navigation, scripts, comments and page
furniture are dropped), Markdown through markdown-it (the parser Rich already uses), plain text
is cut at blank lines and list markers. Headings are kept as blocks but marked, so that a title
is shown as context and never checked as a claim.

Sentences are cut by a small deterministic rule (a full stop, question or exclamation mark
followed by a space and a capital, a digit or a quote), which knows common abbreviations ("e.g.",
"et al.", "Dr.") and initials. Every sentence keeps its offsets in its block, so renderers can
mark it in place.
"""

from __future__ import annotations

import re
from enum import StrEnum

from painlit.errors import ArticleError
from painlit.frozen import frozen

#: Larger inputs are refused: a long feature is about 100 KB of text, a saved page a few MB.
MAX_ARTICLE_BYTES = 8 * 1024 * 1024
#: Blocks of more words than this are not headings, whatever their punctuation.
HEADING_WORDS = 14


class ArticleKind(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    HTML = "html"


@frozen
class Block:
    """A paragraph, list item or heading of the article's readable text."""

    index: int
    text: str
    heading: bool


@frozen
class Sentence:
    """One sentence: where it is (block, character offsets in the block) and its text."""

    index: int
    block: int
    start: int
    end: int
    text: str


@frozen
class Article:
    name: str
    kind: ArticleKind
    title: str | None
    blocks: tuple[Block, ...]
    sentences: tuple[Sentence, ...]

    @property
    def words(self) -> int:
        return sum(len(block.text.split()) for block in self.blocks)


def read_article(data: bytes, *, name: str, kind: ArticleKind | None = None) -> Article:
    """The article in `data`; `kind` is guessed from `name` and the content when not given.

    Raises `ArticleError` for an empty, oversized, binary or text-less input.
    """
    if not data.strip():
        raise ArticleError(f"{name} is empty", hint="give a file holding an article's text")
    if len(data) > MAX_ARTICLE_BYTES:
        raise ArticleError(
            f"{name} is larger than {MAX_ARTICLE_BYTES // (1024 * 1024)} MB; "
            "that is not one article", hint="save just the article (its text or its page)")
    if b"\0" in data[:65536]:
        raise ArticleError(f"{name} looks like a binary file, not an article",
                           hint="give plain text, Markdown or an HTML page")
    chosen = kind or guess_kind(name, data)
    title: str | None = None
    texts: list[tuple[str, bool | None]]
    if chosen is ArticleKind.HTML:
        title, texts = _html_blocks(data)
    else:
        text = _decode(data, name)
        texts = (_markdown_blocks(text) if chosen is ArticleKind.MARKDOWN
                 else [(block, None) for block in _text_blocks(text)])
    blocks = tuple(Block(i, text, _is_heading(text) if heading is None else heading)
                   for i, (text, heading) in enumerate(texts))
    if not any(block.text for block in blocks):
        raise ArticleError(f"no readable text found in {name}",
                           hint="for a web page, save the whole page as HTML")
    sentences: list[Sentence] = []
    for block in blocks:
        for start, end in split_sentences(block.text):
            sentences.append(Sentence(len(sentences), block.index, start, end,
                                      block.text[start:end]))
    if title is None and blocks and blocks[0].heading:
        title = blocks[0].text
    return Article(name, chosen, title, blocks, tuple(sentences))


def guess_kind(name: str, data: bytes) -> ArticleKind:
    lowered = name.lower()
    if lowered.endswith((".html", ".htm", ".xhtml")):
        return ArticleKind.HTML
    if lowered.endswith((".md", ".markdown")):
        return ArticleKind.MARKDOWN
    head = data[:4096].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or re.search(
            rb"<(body|p|div|article|head)[\s>]", head):
        return ArticleKind.HTML
    if re.search(rb"(?m)^(#{1,6} |\* |- |> )|\]\(", data[:65536]):
        return ArticleKind.MARKDOWN
    return ArticleKind.TEXT


def _decode(data: bytes, name: str) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", "replace")
    unreadable = len(_CONTROL.findall(text, 0, 65536))
    if unreadable > 8 and unreadable > len(text[:65536]) // 100:
        raise ArticleError(f"{name} looks like a binary file, not an article",
                           hint="give plain text, Markdown or an HTML page")
    return text


#: Control characters (not tab or line ends) and the replacement character of bad bytes.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")


_BULLET = re.compile(r"^\s*(?:[-*+•◦▪‣·]|\d{1,3}[.)])\s+")
_SPACES = re.compile(r"\s+")


def _tidy(text: str) -> str:
    """One line of text: control characters and line or paragraph separators become spaces,
    runs of spaces one space."""
    return _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()


def _text_blocks(text: str) -> list[str]:
    """Paragraphs at blank lines; a list item starts a block of its own."""
    blocks: list[str] = []
    current: list[str] = []
    for line in text.splitlines():
        if not line.strip() or _BULLET.match(line):
            if current:
                blocks.append(_tidy(" ".join(current)))
            current = [_BULLET.sub("", line)] if line.strip() else []
            continue
        current.append(line)
    if current:
        blocks.append(_tidy(" ".join(current)))
    return [block for block in blocks if block]


def _markdown_blocks(text: str) -> list[tuple[str, bool | None]]:
    """The text of each heading, paragraph and list item, without Markdown syntax, and
    whether it is a heading."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark", {"html": False}).parse(text)
    blocks: list[tuple[str, bool | None]] = []
    heading = False
    for token in tokens:
        if token.type == "heading_open":
            heading = True
        elif token.type == "heading_close":
            heading = False
        if token.type == "inline":
            parts = []
            for child in token.children or []:
                if child.type in ("text", "code_inline", "html_inline"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append(" ")
                elif child.type == "image":
                    parts.append(child.content)
            joined = _tidy("".join(parts))
            if joined:
                blocks.append((joined, heading))
        elif token.type in ("fence", "code_block") and token.content.strip():
            blocks.append((_tidy(token.content), False))
    return blocks


def _html_blocks(data: bytes) -> tuple[str | None, list[tuple[str, bool | None]]]:
    """The readable body of a web page, one block per line of trafilatura's text output."""
    import trafilatura

    document = trafilatura.bare_extraction(
        data, with_metadata=True, include_comments=False, include_tables=False,
        include_images=False, favor_recall=True, deduplicate=False)
    if document is None:
        return None, []
    title = _tidy(str(getattr(document, "title", "") or "")) or None
    body = str(getattr(document, "text", "") or "")
    return title, [(block, None) for block in (_tidy(_BULLET.sub("", line))
                                               for line in body.splitlines()) if block]


def _is_heading(text: str) -> bool:
    words = text.split()
    return 0 < len(words) <= HEADING_WORDS and text[-1] not in ".!?:;…\"'”’)"


#: Words that end with a full stop without ending the sentence.
ABBREVIATIONS = frozenset((
    "al", "approx", "ca", "cf", "dr", "e.g", "eg", "etc", "fig", "figs", "i.e", "ie", "inc",
    "jr", "mr", "mrs", "ms", "no", "nos", "prof", "sr", "st", "vs", "jan", "feb", "mar", "apr",
    "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "e.u", "ph.d",
    "m.d", "dept", "est", "vol", "pp",
))
_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each sentence in `text`."""
    spans: list[tuple[int, int]] = []
    start = 0
    for found in _END.finditer(text):
        end = found.end()
        if found.group().startswith(".") and _abbreviation_before(text, found.start()):
            continue
        piece = text[start:end].strip()
        if piece:
            first = start + (len(text[start:end]) - len(text[start:end].lstrip()))
            spans.append((first, end))
        start = end
    rest = text[start:]
    if rest.strip():
        first = start + (len(rest) - len(rest.lstrip()))
        spans.append((first, len(text.rstrip())))
    return spans


def _abbreviation_before(text: str, dot: int) -> bool:
    word = text[:dot].rsplit(None, 1)[-1] if text[:dot].strip() else ""
    word = word.lstrip("(\"'“‘[").lower()
    if len(word) == 1 and word.isalpha():  # an initial: "J. Smith"
        return True
    return word in ABBREVIATIONS
