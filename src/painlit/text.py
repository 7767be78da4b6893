"""Text from a corpus, an article or a service made safe to show, without any rendering
library: what a terminal, a Markdown or an HTML renderer, or a log line must never receive.

`clean` replaces control characters (not tab or line breaks), bidirectional overrides and
invisible or format characters (zero-width spaces and joiners, the Arabic letter mark, line
and paragraph separators, the byte-order mark, tag characters) with visible escapes such as
`\\u200b`, so nothing can hide, reorder or forge text. `one_line` does the same and also
escapes tabs and line breaks, for fields that must print as one line (a `file:line:` problem
line, an id, a title).
"""

from __future__ import annotations

import re

#: Characters never shown as they are.
UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff"
    "\ud800-\udfff\U000e0000-\U000e007f]")  # lone surrogates too: they cannot be printed
_UNSAFE_ONE_LINE = re.compile(UNSAFE.pattern[:-1] + "\t\n\r]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def clean(text: str) -> str:
    """`text` with unsafe characters replaced by visible escapes (line breaks kept)."""
    return UNSAFE.sub(_escape, text)


def one_line(text: str) -> str:
    """`text` as one line: unsafe characters, tabs and line breaks as visible escapes."""
    return _UNSAFE_ONE_LINE.sub(_escape, text)
