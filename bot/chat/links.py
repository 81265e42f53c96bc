"""Which papers a chat message links to: arXiv abstract, PDF and HTML pages (with or without a version), ShortScience
paper pages and Hugging Face paper pages, each turned into the bare arXiv id the store keys papers by; and doi.org
links, arXiv's own DOIs as that arXiv id, any other as `doi:<doi>` (lowercased), the key of a paper known by its DOI.
Anything else (other sites, a malformed id or DOI) is no paper link and is left alone.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

from bot.ingest.identity import DOI_PREFIX, arxiv_id_from_link, doi_of, normalize_arxiv_id

MAX_LINKS = 3  # papers answered per message: a reading list pasted in full is not a request for ten replies
_URL = re.compile(r"https?://[^\s<>|\"'()\[\]]+", re.I)  # Slack wraps links as <url> or <url|label>
_ARXIV_DOI = re.compile(r"^/10\.48550/arxiv\.(?P<id>.+)$", re.I)
MAX_DOI = 200  # characters: real DOIs are far shorter; a longer "DOI" is no paper worth an API call


def paper_links(text: str) -> list[tuple[str, str]]:
    """(url, paper key: an arXiv id or `doi:<doi>`) for each distinct paper the text links to, in order, at most
    MAX_LINKS."""
    found: dict[str, str] = {}
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".,;:!?>")
        if (key := arxiv_id_of(url) or _doi_key(url)) and key not in found:
            found[key] = url
    return [(url, key) for key, url in found.items()][:MAX_LINKS]


def arxiv_id_of(url: str) -> str | None:
    """The bare arXiv id a paper link points at, or None when it is not a link to one."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = unquote(parts.path)
    candidate: str | None = None
    if host in {"arxiv.org", "export.arxiv.org"}:
        candidate = path.replace("/html/", "/abs/", 1) if path.startswith("/html/") else path
        found = arxiv_id_from_link(f"https://arxiv.org{candidate.rstrip('/')}")
        return found[0] if found else None
    if host == "doi.org" and (doi := _ARXIV_DOI.match(path)):
        candidate = doi["id"]
    elif host == "huggingface.co" and path.startswith("/papers/"):
        candidate = path.removeprefix("/papers/").strip("/")
    elif host == "shortscience.org" and path.rstrip("/") == "/paper":
        key = parse_qs(parts.query).get("bibtexKey", [""])[0]
        found = arxiv_id_from_link(f"https://{key}") if key else None
        return found[0] if found else None
    if not candidate:
        return None
    try:
        return normalize_arxiv_id(candidate)[0]
    except ValueError:
        return None


def _doi_key(url: str) -> str | None:
    """`doi:<doi>` for a doi.org link to a DOI other than arXiv's, else None."""
    parts = urlsplit(url)
    if (parts.hostname or "").lower() not in {"doi.org", "dx.doi.org", "www.doi.org"} or len(parts.path) > MAX_DOI:
        return None
    doi = doi_of(unquote(parts.path).lstrip("/"))
    return f"{DOI_PREFIX}{doi}" if doi else None
