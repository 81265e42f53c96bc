"""Look one paper up for a link someone shared: an arXiv id through arXiv's export API (`id_list`), a DOI through
Semantic Scholar's Graph API (`DOI:<doi>`), both with the sources' polite fetcher: its pacing per host, retries, size
cap and SSRF guard hold for a paper someone linked in chat as for a scheduled fetch."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from bot.ingest.identity import DOI_PREFIX
from bot.models import SourceEntry
from bot.sources.arxiv import API_BASE, parse_api
from bot.sources.semantic_scholar import PAPER_FIELDS, batch_url, parse_doi_paper

if TYPE_CHECKING:
    from bot.sources.http import HttpFetcher


class ArxivLookup:
    """`lookup(arxiv_id)`: the paper's entry, or None when arXiv has no such paper; SourceError when arXiv cannot be
    reached or answers with something that is no API page (too big, malformed)."""

    def __init__(self, http: HttpFetcher, *, base: str = API_BASE, configured: bool = False) -> None:
        self._http = http
        self._base = base
        self._configured = configured  # the operator wrote the base URL down (a private address is allowed then)

    async def lookup(self, arxiv_id: str) -> SourceEntry | None:
        url = f"{self._base}?{urlencode({'id_list': arxiv_id, 'max_results': 1})}"
        result = await self._http.get(url, configured=self._configured)
        page = parse_api(result.body, url, result.headers)
        return next((entry for entry in page.entries if entry.paper.id == arxiv_id), None)


class DoiLookup:
    """`lookup(doi)`: the paper Semantic Scholar knows by this DOI, or None; SourceError when the API cannot be reached
    or answers with something else (a 429 is waited for, within the fetcher's limits)."""

    def __init__(self, http: HttpFetcher, base: str, headers: Mapping[str, str]) -> None:
        self._http = http
        self._url = batch_url(base, PAPER_FIELDS)
        self._headers = headers  # the API key, when configured: sent, never logged

    async def lookup(self, doi: str) -> SourceEntry | None:
        result = await self._http.post_json(self._url, {"ids": [f"DOI:{doi}"]}, headers=self._headers)
        return parse_doi_paper(result.body, self._url, doi)


class PaperLookup:
    """`lookup(paper_key)` for a shared link's key: `doi:<doi>` goes to Semantic Scholar, an arXiv id to arXiv."""

    def __init__(self, arxiv: ArxivLookup, doi: DoiLookup) -> None:
        self._arxiv = arxiv
        self._doi = doi

    async def lookup(self, key: str) -> SourceEntry | None:
        if key.startswith(DOI_PREFIX):
            return await self._doi.lookup(key.removeprefix(DOI_PREFIX))
        return await self._arxiv.lookup(key)
