"""Reading lists as files people keep elsewhere: BibTeX for reference managers, Markdown for notes."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.models import Paper

Entry = tuple[Paper, str | None]  # a paper and its TL;DR, if any
FORMATS = ("bibtex", "markdown")

_BIB_SPECIAL = re.compile(r"([\\{}%&$#_^~])")
_KEY_WORD = re.compile(r"[^\W_]+")


def export(entries: Sequence[Entry], fmt: str) -> tuple[str, bytes]:
    """Return (file name, UTF-8 content) of the list in `fmt` (one of FORMATS)."""
    if fmt == "bibtex":
        return "reading-list.bib", to_bibtex(entries).encode()
    return "reading-list.md", to_markdown(entries).encode()


def to_bibtex(entries: Sequence[Entry]) -> str:
    """One @misc entry per paper; keys are unique, values escaped so any title parses back."""
    records = []
    for paper, tldr in entries:
        fields = {"title": paper.headline, "author": " and ".join(paper.authors), "url": paper.url or "",
                  "year": str(paper.published.year) if paper.published else "", "note": tldr or ""}
        body = ",\n".join(f"  {name} = {{{_bib_escape(value)}}}" for name, value in fields.items() if value)
        records.append(f"@misc{{{_key(paper)},\n{body}\n}}\n")
    return "\n".join(records)


def to_markdown(entries: Sequence[Entry]) -> str:
    """A heading, then one bullet per paper: linked title, authors, TL;DR and id."""
    lines = ["# Reading list", ""]
    for paper, tldr in entries:
        title = _md_escape(paper.headline)
        lines.append(f"- **[{title}]({paper.url})**" if paper.url else f"- **{title}**")
        if paper.authors:
            lines.append(f"  {_md_escape(', '.join(paper.authors))}")
        if tldr:
            lines.append(f"  > {_md_escape(' '.join(tldr.split()))}")
        lines.append(f"  `{paper.id}`")
    return "\n".join(lines) + "\n"


def _key(paper: Paper) -> str:
    """A readable, unique citation key: first word of the headline plus the (unique) paper id."""
    first = next(iter(_KEY_WORD.findall(paper.headline.lower())), "paper")[:20]
    return f"{first}_{'_'.join(_KEY_WORD.findall(paper.id))}"


def _bib_escape(value: str) -> str:
    return _BIB_SPECIAL.sub(r"\\\1", " ".join(value.split()))


def _md_escape(value: str) -> str:
    return re.sub(r"([\\`*_\[\]<>])", r"\\\1", value)
