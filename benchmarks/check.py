"""Time `painlit check` on a 5,000-word article against `painlit condition fibromyalgia`.

The article is made by repeating the real articles of tests/fixtures/articles/ (their bodies,
in turn) until it holds at least 5,000 words: a long article of the kind `check` is for. Both
commands run as fresh processes with the same Python and the same warm corpus cache,
alternating, so machine noise hits both alike. Prints the median wall time of each and the
ratio (the target is at most 1.5). `--html` times the article saved as an HTML page instead
(trafilatura reads it).

    python benchmarks/check.py [--runs 15] [--html]
"""

from __future__ import annotations

import argparse
import html
import statistics
import sys
import tempfile
from pathlib import Path

from check_accuracy import body
from startup import _time

ARTICLES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "articles"
WORDS = 5000


def article_text() -> str:
    """At least WORDS words of real article text (headers of the fixture files dropped)."""
    bodies = [body(path).decode("utf-8").strip() for path in sorted(ARTICLES.glob("*.txt"))]
    if not bodies:
        raise SystemExit(f"no articles in {ARTICLES}")
    chosen: list[str] = []
    words = 0
    while words < WORDS:
        text = bodies[len(chosen) % len(bodies)]
        chosen.append(text)
        words += len(text.split())
    return "\n\n".join(chosen) + "\n"


def as_html(text: str) -> str:
    paragraphs = "".join(f"<p>{html.escape(block)}</p>\n"
                         for block in text.split("\n\n") if block.strip())
    return ("<!DOCTYPE html><html><head><title>Benchmark article</title></head><body>"
            "<nav><a href='/'>Home</a></nav><article>" + paragraphs
            + "</article><footer>Footer text</footer></body></html>\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--html", action="store_true")
    options = parser.parse_args()
    text = article_text()
    with tempfile.TemporaryDirectory() as folder:
        article = Path(folder) / ("article.html" if options.html else "article.txt")
        article.write_text(as_html(text) if options.html else text, encoding="utf-8")
        commands = {
            "painlit condition fibromyalgia": [sys.executable, "-m", "painlit", "condition",
                                               "fibromyalgia"],
            f"painlit check ({len(text.split())} words, {article.suffix[1:]})": [
                sys.executable, "-m", "painlit", "check", str(article)],
        }
        for command in commands.values():  # warm the file cache, .pyc files, corpus cache
            _time(command)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(options.runs):
            for name, command in commands.items():
                times[name].append(_time(command))
    medians = {name: statistics.median(values) for name, values in times.items()}
    condition, check = medians.values()
    width = max(len(name) for name in medians)
    print(f"{'command':<{width}}  median (s)  runs={options.runs}")
    for name, value in medians.items():
        print(f"{name:<{width}}  {value:10.3f}")
    print(f"ratio check / condition: {check / condition:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
