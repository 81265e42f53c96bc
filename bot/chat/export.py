"""Reading lists as files people keep elsewhere: BibTeX for reference managers, Markdown for notes.

Titles, names, TL;DRs and links come from feeds, so both writers treat them as hostile. A BibTeX field never holds a
raw brace (BibTeX counts braces whatever backslash precedes them, so one `}` would end the field and let the rest
forge entries); a Markdown link target is percent-encoded so it cannot end early, and only http(s) becomes a link.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote, urlsplit

from bot.models import Paper

Entry = tuple[Paper, str | None]  # a paper and its TL;DR, if any
FORMATS = ("bibtex", "markdown")

# LaTeX's special characters as text; every replacement's braces balance, and `@` never starts an entry.
_LATEX = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
    "@": "{@}",
}
_LATEX_SPECIAL = re.compile("|".join(re.escape(char) for char in _LATEX))
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_KEY_WORD = re.compile(r"[A-Za-z0-9]+")
_NAME_AND = re.compile(r"(?i)(?<!\S)(and|others)(?!\S)")  # words BibTeX would read as a name separator
_ET_AL = re.compile(r"(?i)(?:^|[\s,]+)et\.?\s*al\.?$")
_PARTICLES = frozenset("van von der den de del della di da du la le dos das ter ten zu af".split())
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
_TLDR_LABEL = re.compile(r"(?i)^\s*tl\s*;?\s*dr\s*[:.\-–—]\s*")
_BIB_URL_UNSAFE = re.compile(r"[{}\\\s\x00-\x1f\x7f]")  # braces would unbalance the field; the rest is verbatim
_MD_URL_UNSAFE = re.compile(r"[()<>\\\s\x00-\x1f\x7f]")  # each could end the link target or start something else
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-=!|~&$])")
_MD_LIST_START = re.compile(r"^([0-9]+)\.")


def export(entries: Sequence[Entry], fmt: str) -> tuple[str, bytes]:
    """Return (file name, UTF-8 content) of the list in `fmt` (one of FORMATS)."""
    if fmt == "bibtex":
        return "reading-list.bib", to_bibtex(entries).encode()
    return "reading-list.md", to_markdown(entries).encode()


def to_bibtex(entries: Sequence[Entry]) -> str:
    """One @misc entry per paper, under a unique ASCII key; any title, name or link parses back as written."""
    records = []
    keys: set[str] = set()
    for paper, tldr in entries:
        fields = {
            "title": _latex(full_title(paper)),
            "author": bibtex_authors(paper.authors),
            "year": str(paper.published.year) if paper.published else "",
            "url": _percent(url, _BIB_URL_UNSAFE) if (url := web_url(paper.url)) else "",
            "note": _latex(plain_tldr(tldr)) if tldr else "",
        }
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items() if value)
        records.append(f"@misc{{{_key(paper, keys)},\n{body}\n}}\n")
    return "\n".join(records)


def to_markdown(entries: Sequence[Entry]) -> str:
    """A heading, then one bullet per paper: linked title, authors, TL;DR and id; the file ends with a newline."""
    lines = ["# Reading list", ""]
    for paper, tldr in entries:
        title = _md_text(full_title(paper))
        url = web_url(paper.url)
        lines.append(f"- **[{title}]({_percent(url, _MD_URL_UNSAFE)})**" if url else f"- **{title}**")
        if paper.authors:
            lines.append(f"  {_md_text(', '.join(paper.authors))}")
        if tldr:
            lines.append(f"  > {_md_text(plain_tldr(tldr))}")
        lines.append(f"  {_md_text(paper.id)}")
    return "\n".join(lines) + "\n"


def full_title(paper: Paper) -> str:
    """The paper's title as stored: its headline, without the ellipsis a cut headline ends with."""
    return _plain(paper.headline).removesuffix("…").rstrip()


def plain_tldr(tldr: str) -> str:
    """The TL;DR's words without a leading "TL;DR:" label: the export's field already says what it is."""
    return _TLDR_LABEL.sub("", _plain(tldr))


def web_url(url: str | None) -> str | None:
    """`url` when it is an absolute http(s) link, else None: nothing else is worth a click in a reading list."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def bibtex_authors(names: Sequence[str]) -> str:
    """Names as BibTeX reads them, "Last, First and Last, First"; "Rozsa et al." becomes "Rozsa and others"."""
    people: list[str] = []
    others = False
    for raw in names:
        name = _plain(raw)
        if cut := _ET_AL.search(name):
            name, others = name[: cut.start()].strip(), True
        if any(c.isalnum() for c in name):
            people.append(_bibtex_name(name))
    return " and ".join([*people, "others"] if others and people else people)


def _bibtex_name(name: str) -> str:
    """One person as "Last, First" (particles such as "van" stay with the last name, "Jr." follows it)."""
    if name.count(",") == 1 and all(part.strip() for part in name.split(",")):
        last, first = (_name_part(part.strip()) for part in name.split(","))
        return f"{last}, {first}"
    words = name.split()
    suffix = words.pop() if len(words) > 2 and words[-1].lower().rstrip(".") in _SUFFIXES else None
    if len(words) == 1:
        return _name_part(words[0])
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in _PARTICLES:
        start -= 1
    last, first = _name_part(" ".join(words[start:])), _name_part(" ".join(words[:start]))
    return f"{last}, {_name_part(suffix)}, {first}" if suffix else f"{last}, {first}"


def _name_part(text: str) -> str:
    """Escape a piece of a name, bracing commas and the words "and"/"others" so BibTeX keeps them inside it."""
    return _NAME_AND.sub(r"{\1}", _latex(text).replace(",", "{,}"))


def _latex(text: str) -> str:
    return _LATEX_SPECIAL.sub(lambda match: _LATEX[match.group()], _plain(text))


def _plain(text: str) -> str:
    """One line of text: whitespace runs become one space and control characters go."""
    return " ".join(_CONTROL.sub(" ", text).split())


def _percent(url: str, unsafe: re.Pattern[str]) -> str:
    """The URL with the characters `unsafe` matches percent-encoded (as UTF-8), every other character as it was."""
    return unsafe.sub(lambda match: quote(match.group(), safe=""), url)


def _key(paper: Paper, taken: set[str]) -> str:
    """A readable, unique citation key: first word of the headline plus the paper id, in ASCII."""
    first = next(iter(_KEY_WORD.findall(paper.headline.lower())), "paper")[:20]
    key = base = f"{first}_{'_'.join(_KEY_WORD.findall(paper.id)) or 'id'}"
    number = 1
    while key in taken:
        number += 1
        key = f"{base}_{number}"
    taken.add(key)
    return key


def _md_text(text: str) -> str:
    """Text that renders as itself: every Markdown punctuation escaped, and no line read as a numbered list."""
    return _MD_LIST_START.sub(r"\1\\.", _MD_SPECIAL.sub(r"\\\1", _plain(text)))
