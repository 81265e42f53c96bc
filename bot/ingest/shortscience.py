"""Parse ShortScience.org page dumps: each summary follows a `[link]` line and ends with ` |`.

Titles, authors and links did not survive the scrape, so the headline and authors are derived from the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from bot.ingest.clean import clean_text, fingerprint
from bot.ingest.headline import derive_authors, derive_headline
from bot.ingest.records import IngestProblem, ParseResult, bad_byte, read_text
from bot.models import Paper

SOURCE = "shortscience"
_MARKER = re.compile(r"^[ \t]*\[link\][ \t]*$", re.M)
_TRAILER = re.compile(r"^\s*(?:\d+\s+comments?|\|)\s*$", re.I)  # lines the site adds after a summary


def parse_shortscience(path: Path) -> Iterator[ParseResult]:
    """Yield one paper per summary in a page dump, and a problem for each summary that is empty once cleaned."""
    text = read_text(path)
    if isinstance(text, IngestProblem):
        yield text
        return
    markers = list(_MARKER.finditer(text))  # whatever precedes the first marker is site preamble
    if not markers:
        yield IngestProblem(str(path), "file", "no summaries found (no '[link]' lines)")
        return
    ends = [marker.start() for marker in markers[1:]] + [len(text)]
    for number, (marker, end) in enumerate(zip(markers, ends, strict=True), start=1):
        damage = bad_byte(text, marker.end(), end)
        if damage:
            yield IngestProblem(str(path), f"summary {number}", damage)
            continue
        raw = _summary_body(text[marker.end() : end])
        cleaned = clean_text(raw)
        if not any(c.isalnum() for c in cleaned):
            yield IngestProblem(str(path), f"summary {number}", "summary is empty after cleaning")
            continue
        digest = fingerprint(cleaned)
        yield Paper(
            id=f"ss-{digest[:12]}",
            source=SOURCE,
            source_id=f"{path.name}#{number}",
            headline=derive_headline(cleaned, is_clean=True),
            derived_headline=True,
            text=cleaned,
            fingerprint=digest,
            authors=derive_authors(cleaned),
        )


def _summary_body(chunk: str) -> str:
    """Drop the comment-count and separator lines the site appends, then the closing ` |`."""
    lines = [line for line in chunk.splitlines() if not _TRAILER.match(line)]
    return "\n".join(lines).strip().removesuffix("|").strip()
