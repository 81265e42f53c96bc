"""A paper's identity from how people write it: arXiv ids and links, DOIs. Sources and file ingest key papers alike.

The bare arXiv id (no version) is a paper's id wherever it is known, so a JSONL record, an RSS item and an arXiv
listing of the same work are one paper; a DOI (lowercased, as DOIs are case-insensitive) keys one that has no arXiv id.
"""

from __future__ import annotations

import re

_URL_PREFIX = r"(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/"
_MONTH = r"(?:0[1-9]|1[0-2])"
_NEW_ID = rf"(?:0[7-9]|1[0-4]){_MONTH}\.\d{{4}}|(?:1[5-9]|[2-9]\d){_MONTH}\.\d{{5}}"  # 5 digits since 2015
_ID = re.compile(
    rf"(?i:arxiv:|oai:arxiv\.org:|{_URL_PREFIX})?"
    rf"(?:(?P<new>{_NEW_ID})|(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.[A-Z]{{2}})?/(?P<number>\d{{2}}{_MONTH}\d{{3}}))"
    r"(?:v(?P<version>[1-9]\d*))?(?i:\.pdf)?"
)
_LINK = re.compile(_URL_PREFIX, re.I)
DOI_PREFIX = "doi:"  # the id of a paper known by its DOI alone: `doi:<doi>`
_DOI = re.compile(r"(?:(?:https?://)?(?:dx\.)?doi\.org/|doi:\s*)?(?P<doi>10\.\d{4,9}/\S+)", re.I)


def normalize_arxiv_id(raw: str) -> tuple[str, int | None]:
    """Return (id without version, version or None) from any way people write an arXiv id or link to it.

    Old-style ids lose their subject class ("math.AG/0601001" -> "math/0601001"), as in arXiv's canonical form.
    """
    match = _ID.fullmatch(raw.strip())
    if not match:
        raise ValueError(f"not an arXiv id: {raw[:80]!r}")
    arxiv_id = match["new"] or f"{match['archive']}/{match['number']}"
    return arxiv_id, int(match["version"]) if match["version"] else None


def arxiv_id_from_link(link: str) -> tuple[str, int | None] | None:
    """Return the arXiv id an abs or pdf link points at, else None (bare numbers elsewhere are not arXiv ids)."""
    if not _LINK.match(link):
        return None
    try:
        return normalize_arxiv_id(link.split("?")[0].split("#")[0])
    except ValueError:
        return None


def abs_url(arxiv_id: str) -> str:
    """Link the abstract page without a version, so the link always shows the newest one."""
    return f"https://arxiv.org/abs/{arxiv_id}"


def doi_of(value: str) -> str | None:
    """The DOI in a bare DOI, a `doi:` name or a doi.org link, lowercased; None for anything else."""
    match = _DOI.fullmatch(value.strip())
    return match["doi"].lower() if match else None


def known_identity(*values: str | None) -> tuple[str, str] | None:
    """(paper id, canonical link) from the first value that is an arXiv id or link (`1706.03762`), else the first
    that is a DOI (`doi:10.1145/3292500`); None when no value names the work."""
    given = [value.strip() for value in values if value and value.strip()]
    for value in given:
        try:
            arxiv_id = normalize_arxiv_id(value.split("?")[0].split("#")[0])[0]
        except ValueError:
            continue
        return arxiv_id, abs_url(arxiv_id)
    for value in given:
        if doi := doi_of(value):
            return f"{DOI_PREFIX}{doi}", f"https://doi.org/{doi}"
    return None
