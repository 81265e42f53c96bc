"""A real HTTP server on 127.0.0.1 in a thread, serving canned feed documents with ETags, for end-to-end fetches.

A thread (not the test's event loop) so the same server works for async tests and for the CLI, which runs its own
loop.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

FIXTURES = Path(__file__).parent / "feeds"  # canned responses in the real formats


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that answers in one call and logs nothing (test output stays readable)."""

    def answer(self, status: int, body: bytes, content_type: str | None, **headers: str) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's signature
        return


def serve_in_thread(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    """Serve `handler` on a free port of 127.0.0.1 from a daemon thread; `shutdown()` and `server_close()` stop it."""
    http = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    return http


@dataclass
class Document:
    """What one path answers: a body with a content type, an optional ETag (so a matching If-None-Match gets 304)."""

    body: bytes
    content_type: str = "application/xml; charset=utf-8"
    status: int = 200
    etag: str | None = None
    headers: dict[str, str] = field(default_factory=dict)  # sent as well: Location, Retry-After...


@dataclass
class FeedServer:
    """Serves `documents` by path (query strings ignored unless the full path+query is a key) and logs requests."""

    documents: dict[str, Document] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def start(self) -> FeedServer:
        server = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                headers = {name.lower(): value for name, value in self.headers.items()}
                server.requests.append((self.path, headers))
                document = server.documents.get(self.path) or server.documents.get(urlsplit(self.path).path)
                if document is None:
                    self.answer(404, b"not found", "text/plain")
                elif document.etag and headers.get("if-none-match") == document.etag:
                    self.answer(304, b"", None, ETag=document.etag)
                else:
                    etag = {"ETag": document.etag} if document.etag else {}
                    self.answer(document.status, document.body, document.content_type, **etag, **document.headers)

        self._http = serve_in_thread(Handler)
        return self

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host}:{port}"

    def serve_fixture(self, path: str, name: str, **options: object) -> None:
        content_type = "application/json" if name.endswith(".json") else "application/xml; charset=utf-8"
        self.documents[path] = Document((FIXTURES / name).read_bytes(), **{"content_type": content_type, **options})

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()
