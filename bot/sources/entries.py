"""What every feed parser shares: reading a feed safely, turning its HTML into text, and collecting entries.

A document that is unusable as a whole raises `SourceError` (nothing of it is stored); one unusable entry raises
`EntryProblem`, which `collect` turns into a located line in `ParsedPage.problems` while the rest still parse.
"""

from __future__ import annotations

import io
import json
import re
import time
import xml.sax
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any, TypeVar

import feedparser

from bot.errors import SourceError
from bot.ingest.clean import clean_text, fingerprint, truncate
from bot.ingest.headline import derive_headline, fit_title
from bot.models import Paper, SourceEntry
from bot.sources.base import MAX_FIELD_CHARS, ParsedPage
from bot.sources.shrink import shrink_xml

_Item = TypeVar("_Item")
_HTML_PAGE = re.compile(  # an optional XML declaration and comments, then an HTML doctype or root element
    rb"\s*(?:<\?xml[^>]{0,200}>\s*)?(?:<!--.{0,2000}?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S
)
_HARMLESS = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)  # parsed fine despite the complaint
_BLOCK = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 header hr li main"
    " nav ol p pre section table td th tr ul".split()
)
_HIDDEN = frozenset({"script", "style", "template"})
MAX_REASON = 300  # characters of a server's or parser's own words kept in a one-line error
_MAX_DEPTH = 8  # raw records are capped this deep; no parser reads deeper


class EntryProblem(ValueError):
    """One entry is unusable; the message says why, and the rest of its document still parses."""


def check_body(body: bytes, url: str) -> None:
    """Reject an empty body or an HTML page up front: servers answer errors and logins with HTML, even with 200."""
    if not body.strip():
        raise SourceError(f"{url}: empty response")
    if _HTML_PAGE.match(_head(body)):
        raise SourceError(f"{url}: not a feed: the server sent an HTML page")


def read_json(body: bytes, url: str) -> Any:
    """Decode a JSON API response, raising `SourceError` (one line naming the URL) for anything but JSON."""
    check_body(body, url)
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceError(f"{url}: not JSON: {exc}") from None
    except RecursionError:
        raise SourceError(f"{url}: not JSON: nested too deeply") from None


def read_feed(
    body: bytes, url: str, headers: Mapping[str, str], max_chars: int = MAX_FIELD_CHARS
) -> tuple[Any, list[str]]:
    """Parse RSS or Atom with feedparser, raising `SourceError` unless the document is a well-formed feed; returns it
    with one line per text cut to `max_chars` first (feedparser's memory grows with the longest text it reads).

    The body goes in as a stream because feedparser opens a bytes argument as a file path when one exists.
    """
    check_body(body, url)
    head = _head(body)
    if not head.lstrip().startswith(b"<"):
        raise SourceError(f"{url}: not a feed: the response is not XML (it starts with {body[:12]!r})")
    body, cuts = shrink_xml(body, max_chars)
    response_headers = {"content-location": url, **{name.lower(): value for name, value in headers.items()}}
    try:
        parsed = feedparser.parse(
            io.BytesIO(body), response_headers=response_headers, sanitize_html=False, resolve_relative_uris=False
        )
    except ValueError as exc:  # the strict parser rejects some namespace URIs outright instead of flagging bozo
        raise SourceError(f"{url}: {_fault(exc, 0)}") from None
    if parsed.get("bozo") and not isinstance(parsed.get("bozo_exception"), _HARMLESS):
        added_lines = 0 if head.startswith(b"<?xml") else 1  # feedparser puts a declaration on a line of its own
        raise SourceError(f"{url}: {_fault(parsed.get('bozo_exception'), added_lines)}")
    if not parsed.get("version"):
        raise SourceError(f"{url}: not a feed: no RSS or Atom document element")
    return parsed, cuts


def collect(
    url: str,
    items: Iterable[_Item],
    build: Callable[[_Item], SourceEntry],
    *,
    max_chars: int = MAX_FIELD_CHARS,
    cuts: Iterable[str] = (),
    total: int | None = None,
    start: int | None = None,
) -> ParsedPage:
    """Build an entry from each item, its fields first cut to `max_chars`; an item that raises `EntryProblem`
    becomes a problem line instead, and each cut a line of `cuts` (with the `cuts` made before parsing)."""
    entries: list[SourceEntry] = []
    problems: list[str] = []
    cut_lines = [f"{url}: {cut}" for cut in cuts]
    for number, item in enumerate(items, start=1):
        if cut := sorted(set(cap_fields(item, max_chars))):
            cut_lines.append(f"{url}: entry {number}: {', '.join(cut)} cut to {max_chars:,} characters")
        try:
            entries.append(build(item))
        except EntryProblem as exc:
            problems.append(f"{url}: entry {number}: {exc}")
    return ParsedPage(tuple(entries), tuple(problems), total=total, start=start, cuts=tuple(cut_lines))


def cap_fields(record: Any, max_chars: int, name: str = "", depth: int = 0) -> list[str]:
    """Cut, in place, every string in a parsed record (dicts and lists, JSON's or feedparser's) to `max_chars`, and
    every list once its strings add up to more; return the names of the fields cut."""
    cut: list[str] = []
    if depth > _MAX_DEPTH:
        return cut
    if isinstance(record, dict):
        for key, value in list(dict.items(record)):  # dict's own view: feedparser's aliases would read twice
            if isinstance(value, str) and len(value) > max_chars:
                dict.__setitem__(record, key, value[:max_chars])
                cut.append(str(key))
            else:
                cut += cap_fields(value, max_chars, str(key), depth + 1)
    elif isinstance(record, list):
        size = 0
        for index, value in enumerate(record):
            if isinstance(value, str) and len(value) > max_chars:
                record[index] = value = value[:max_chars]
                cut.append(name)
            else:
                cut += cap_fields(value, max_chars, name, depth + 1)
            size += _chars(value)
            if size > max_chars:
                del record[index + 1 :]
                cut.append(name)
                break
    return cut


def build_paper(*, paper_id: str, source: str, source_id: str, title: str, text: str, **fields: Any) -> Paper:
    """Make a paper from a cleaned title and text, each standing in for the other where one is missing."""
    if not _has_words(title) and not _has_words(text):
        raise EntryProblem("no title or text")
    text = text if _has_words(text) else title
    titled = _has_words(title)
    return Paper(
        id=paper_id,
        source=source,
        source_id=source_id,
        headline=fit_title(title) if titled else derive_headline(text, is_clean=True),
        text=text,
        fingerprint=fingerprint(text),
        derived_headline=not titled,
        **fields,
    )


def detail_text(detail: Mapping[str, Any] | None) -> str:
    """Return a feedparser text construct as clean plain text, parsing it as HTML only where the feed says it is."""
    if not detail:
        return ""
    value = str(detail.get("value") or "")
    return clean_text(html_to_text(value) if "html" in str(detail.get("type") or "") else value)


def longest_text(entry: Mapping[str, Any]) -> str:
    """Return the fullest of an entry's content and summary: feeds often put a teaser in one and the post in another."""
    details = [*entry.get("content", ()), entry.get("summary_detail")]
    return max((detail_text(detail) for detail in details), key=len, default="")


def html_to_text(markup: str) -> str:
    """Extract the visible text with a real HTML parser, so entities, scripts and block breaks come out right."""
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    return "".join(extractor.parts)


def author_names(entry: Mapping[str, Any]) -> tuple[str, ...]:
    """Return the entry's author names, cleaned, without the e-mail addresses RSS puts beside them."""
    names = (clean_text(str(author.get("name") or "")) for author in entry.get("authors", ()))
    return tuple(name for name in names if name)


def tag_terms(entry: Mapping[str, Any]) -> tuple[str, ...]:
    """Return the entry's category terms in feed order, once each."""
    return tuple(dict.fromkeys(term for tag in entry.get("tags", ()) if (term := str(tag.get("term") or "").strip())))


def extension(element: Mapping[str, Any], local: str) -> Any:
    """Return a namespaced element's value by local name: feedparser keys it by whatever prefix the feed chose."""
    suffix = f"_{local}"
    return next((value for key, value in element.items() if key == local or key.endswith(suffix)), None)


def utc(parsed: time.struct_time | None) -> datetime | None:
    """Convert feedparser's UTC struct_time to an aware datetime; a date no datetime can hold counts as absent."""
    if not parsed:
        return None
    try:
        return datetime(*parsed[:5], min(parsed[5], 59), tzinfo=UTC)  # struct_time allows leap seconds
    except (ValueError, OverflowError):  # year 0 and the like, from hostile or sloppy feeds
        return None


def updated_at(entry: Mapping[str, Any]) -> datetime | None:
    """Return when the entry says it last changed; feedparser would answer its publication date where it says not."""
    return utc(entry["updated_parsed"]) if "updated_parsed" in entry else None


def _chars(value: Any, depth: int = 0) -> int:
    """How many characters of text a (capped) parsed value holds."""
    if isinstance(value, str):
        return len(value)
    if depth > _MAX_DEPTH:
        return 0
    if isinstance(value, dict):
        return sum(_chars(item, depth + 1) for item in dict.values(value))
    if isinstance(value, list):
        return sum(_chars(item, depth + 1) for item in value)
    return 0


def _has_words(text: str) -> bool:
    return any(c.isalnum() for c in text)


def _head(body: bytes) -> bytes:
    """Return the document's opening as ASCII-compatible bytes, whatever its Unicode encoding and byte order mark."""
    return body[:4096].lstrip(b"\xef\xbb\xbf\xfe\xff").replace(b"\x00", b"")


def _fault(exc: BaseException | None, added_lines: int) -> str:
    """Say in a few words why feedparser could not read the document, and where, in the document's own lines."""
    if not isinstance(exc, xml.sax.SAXParseException):
        return "unreadable feed: " + truncate(" ".join(str(exc).split()), MAX_REASON)
    line = max(1, (exc.getLineNumber() or 1) - added_lines)
    return f"malformed XML: {exc.getMessage()} (line {line}, column {exc.getColumnNumber()})"


class _TextExtractor(HTMLParser):
    """Collect text outside scripts and styles, with a space wherever a block element breaks the line."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, 1)

    def handle_endtag(self, tag: str) -> None:
        self._tag(tag, -1)

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)

    def _tag(self, tag: str, step: int) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden + step)
        elif tag in _BLOCK:
            self.parts.append(" ")
