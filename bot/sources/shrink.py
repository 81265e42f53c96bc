"""Cut over-long text out of an XML feed before it is parsed, so one huge item costs bounded memory and time.

feedparser holds several copies of every text it reads (an XHTML body many more: 18 MB of it takes 300 MB and half a
minute), so a document's parse costs many times its size. One streaming pass of expat (no tree, a few counters)
finds the elements whose text passes the field cap and the attributes that do, and their bytes are replaced by the
first `max_chars` characters of that text, escaped as ASCII so the document stays well-formed in any ASCII-compatible
encoding. Documents of other encodings (UTF-16, UTF-32), or that expat cannot read, are left to the parser as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.parsers import expat
from xml.sax.saxutils import escape, quoteattr

_STRUCTURE = frozenset({"rss", "RDF", "channel", "feed", "items", "Seq", "item", "entry"})  # never cut whole
_ENTRIES = frozenset({"item", "entry"})
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class _Cut:
    """Bytes [start, end) of the document to replace: an element's content, or a start tag with a huge attribute."""

    start: int
    end: int
    replacement: bytes
    note: str


class _Enough(Exception):
    """Stops the re-read of a cut element once its first `max_chars` characters are in."""


def shrink_xml(body: bytes, max_chars: int) -> tuple[bytes, list[str]]:
    """Return the document with every over-long text and attribute cut to `max_chars` characters, and one line per
    cut ("entry 3: <description> cut to 100,000 characters (it had 18,874,368)"); unchanged when nothing is over."""
    if len(body) <= max_chars or not _ascii_compatible(body):
        return body, []
    scan = _Scan(body, max_chars)
    try:
        cuts = scan.run()
    except (expat.ExpatError, ValueError, LookupError):  # malformed or in an encoding expat lacks: the parser says why
        return body, []
    if not cuts:
        return body, []
    parts: list[bytes] = []
    done = 0
    for cut in sorted(cuts, key=lambda cut: cut.start):
        if cut.start < done:  # inside a cut already made
            continue
        parts += [body[done : cut.start], cut.replacement]
        done = cut.end
    parts.append(body[done:])
    return b"".join(parts), [cut.note for cut in sorted(cuts, key=lambda cut: cut.start)]


class _Scan:
    """One expat pass that records what to cut; elements are tracked by byte offsets and running text counts."""

    def __init__(self, body: bytes, max_chars: int) -> None:
        self._body = body
        self._max = max_chars
        self._encoding = "utf-8"
        self._text = 0  # characters of text seen so far
        self._entries = 0  # items/entries opened so far
        self._entry = 0  # the one the parser is inside (0: the feed itself)
        self._stack: list[tuple[int, int, int]] = []  # per open element: start byte, text before, entries before
        self._cuts: list[_Cut] = []
        parser = self._parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.buffer_size = _CHUNK
        parser.XmlDeclHandler = self._declaration
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._characters

    def run(self) -> list[_Cut]:
        for offset in range(0, len(self._body), _CHUNK):
            self._parser.Parse(self._body[offset : offset + _CHUNK], False)
        self._parser.Parse(b"", True)
        return self._cuts

    def _declaration(self, version: str, encoding: str | None, standalone: int) -> None:
        self._encoding = encoding or "utf-8"

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        start = self._parser.CurrentByteIndex
        self._stack.append((start, self._text, self._entries))
        if _local(name) in _ENTRIES:
            self._entries += 1
            self._entry = self._entries
        if any(len(value) > self._max for value in attributes.values()):
            self._cut_attributes(name, attributes, start)

    def _end(self, name: str) -> None:
        start, text_before, entries_before = self._stack.pop()
        if _local(name) in _ENTRIES:
            self._entry = 0
        size = self._text - text_before
        if size <= self._max or _local(name) in _STRUCTURE or self._entries != entries_before:
            return
        content, end = _tag_end(self._body, start), self._parser.CurrentByteIndex
        while self._cuts and self._cuts[-1].start >= content:  # an outer element's cut replaces those inside it
            self._cuts.pop()
        text = escape(self._first_chars(self._body[content:end])).encode("ascii", "xmlcharrefreplace")
        self._cuts.append(
            _Cut(content, end, text, f"{self._where()}<{name}> cut to {self._max:,} characters (it had {size:,})")
        )

    def _characters(self, data: str) -> None:
        self._text += len(data)

    def _cut_attributes(self, name: str, attributes: dict[str, str], start: int) -> None:
        end = _tag_end(self._body, start)
        closing = "/>" if self._body[end - 2 : end] == b"/>" else ">"
        values = "".join(f" {key}={quoteattr(value[: self._max])}" for key, value in attributes.items())
        tag = f"<{name}{values}{closing}".encode("ascii", "xmlcharrefreplace")
        longest = max(len(value) for value in attributes.values())
        note = f"{self._where()}<{name}> attribute cut to {self._max:,} characters (it had {longest:,})"
        self._cuts.append(_Cut(start, end, tag, note))

    def _first_chars(self, content: bytes) -> str:
        """The first `max_chars` characters of text in an element's content (empty if it cannot be read alone)."""
        kept: list[str] = []
        count = 0

        def take(data: str) -> None:
            nonlocal count
            kept.append(data[: self._max - count])
            count += len(kept[-1])
            if count >= self._max:
                raise _Enough

        parser = expat.ParserCreate(self._encoding)
        parser.buffer_text = True
        parser.CharacterDataHandler = take
        try:
            parser.Parse(b"<x>", False)
            for offset in range(0, len(content), _CHUNK):
                parser.Parse(content[offset : offset + _CHUNK], False)
            parser.Parse(b"</x>", True)
        except _Enough:
            pass
        except (expat.ExpatError, ValueError, LookupError):  # an entity declared in the DTD, for instance
            return ""
        return "".join(kept)

    def _where(self) -> str:
        return f"entry {self._entry}: " if self._entry else "feed: "


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _tag_end(body: bytes, start: int) -> int:
    """The index just past the start tag beginning at `start` (a '>' inside a quoted attribute value does not count)."""
    index = start
    while True:
        close = body.index(b">", index)
        quotes = [found for found in (body.find(b'"', index, close), body.find(b"'", index, close)) if found >= 0]
        if not quotes:
            return close + 1
        opened = min(quotes)
        index = body.index(body[opened : opened + 1], opened + 1) + 1


def _ascii_compatible(body: bytes) -> bool:
    """UTF-8 and single-byte documents only: a replacement written in ASCII reads the same in each of them."""
    head = body[:64].removeprefix(b"\xef\xbb\xbf")
    return b"\x00" not in head and head.lstrip()[:1] == b"<"
