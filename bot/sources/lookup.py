"""Look one arXiv paper up by id through the export API (`id_list`), with the sources' polite fetcher: its pacing per
host, retries, size cap and SSRF guard hold for a paper someone linked in chat as for a scheduled fetch."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from bot.models import SourceEntry
from bot.sources.arxiv import API_BASE, parse_api

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
