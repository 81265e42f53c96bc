"""A local Semantic Scholar Graph API (the paper batch endpoint) on 127.0.0.1, in a thread like the feed server, so
async tests and the CLI alike enrich against a real HTTP peer.

It answers as the real API does: one item per id, in order, `null` for an unknown paper, only the fields asked for;
400 for a malformed request or more than 500 ids, 403 for a wrong API key, and 429 while `busy` is above zero.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from testing.feed_server import QuietHandler, serve_in_thread

BATCH_PATH = "/graph/v1/paper/batch"
MAX_IDS = 500


@dataclass
class Request:
    """One request the server received."""

    path: str
    headers: dict[str, str]
    body: Any
    at: float  # time.monotonic() on arrival


@dataclass
class FakeSemanticScholar:
    """`papers` maps "ARXIV:<id>" (or "DOI:<doi>") to the full record; `api_key`, when set, must come in the
    x-api-key header."""

    papers: dict[str, dict[str, Any]] = field(default_factory=dict)
    api_key: str | None = None
    busy: int = 0  # answer this many requests with 429 first
    requests: list[Request] = field(default_factory=list)

    def add(self, arxiv_id: str, **record: Any) -> None:
        self.papers[f"ARXIV:{arxiv_id}"] = {"paperId": f"s2-{arxiv_id}", **record}

    def add_doi(self, doi: str, **record: Any) -> None:
        """A paper known by its DOI (matched case-insensitively, as DOIs are)."""
        self.papers[f"DOI:{doi.lower()}"] = {"paperId": f"s2-{doi.lower()}", **record}

    def start(self) -> FakeSemanticScholar:
        api = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                headers = {name.lower(): value for name, value in self.headers.items()}
                api.requests.append(Request(self.path, headers, body, time.monotonic()))
                status, answer = api.answer(self.path, headers, body)
                self.answer(status, json.dumps(answer).encode(), "application/json")

        self._http = serve_in_thread(Handler)
        return self

    def answer(self, path: str, headers: dict[str, str], body: Any) -> tuple[int, Any]:
        """The real API's answer to one POST."""
        parts = urlsplit(path)
        if parts.path != BATCH_PATH:
            return 404, {"message": "Not Found"}
        if self.api_key is not None and headers.get("x-api-key") != self.api_key:
            return 403, {"message": "Forbidden"}
        if self.busy > 0:
            self.busy -= 1
            return 429, {"message": "Too Many Requests. Please wait and try again or apply for a key."}
        ids = body.get("ids") if isinstance(body, dict) else None
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            return 400, {"error": "Unacceptable request body"}
        if len(ids) > MAX_IDS:
            return 400, {"error": f"Cannot process more than {MAX_IDS} ids"}
        fields = ",".join(parse_qs(parts.query).get("fields", ["title"])).split(",")
        return 200, [self._only(self.papers.get(_key(i)), fields) for i in ids]

    @staticmethod
    def _only(record: dict[str, Any] | None, fields: list[str]) -> dict[str, Any] | None:
        if record is None:
            return None
        return {"paperId": record["paperId"], **{name: record.get(name) for name in fields}}

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()


def _key(asked: str) -> str:
    """The record key of an id as asked: `DOI:` ids are case-insensitive."""
    kind, _, value = asked.partition(":")
    return f"DOI:{value.lower()}" if kind.upper() == "DOI" else asked
