"""Parse JSON Lines paper lists: one object per line with title, authors, url, abstract and/or summary.

A record whose url or id (or arxiv_id, doi field) names an arXiv paper or a DOI is keyed by it, as the feeds key
theirs, so the same work from a file and from a feed is one paper.

Each line stands alone: a malformed line becomes an `IngestProblem` naming its line number and the rest still import.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.ingest.clean import clean_text, fingerprint
from bot.ingest.headline import derive_authors, derive_headline, fit_title
from bot.ingest.identity import known_identity
from bot.ingest.records import IngestProblem, ParseResult, bad_byte, read_text
from bot.models import Paper

SOURCE = "jsonl"
_IDENTITY_FIELDS = ("arxiv_id", "doi")  # besides url and id: where a record may name its paper for the feeds to match
_LIST_SPLIT = re.compile(r"\s*[,;]\s*")
_CATEGORY_SPLIT = re.compile(r"[\s,;]+")


class _BadRecord(ValueError):
    """A line's content is unusable; the message says why, for the user."""


def parse_jsonl(path: Path) -> Iterator[ParseResult]:
    """Yield one paper per JSON line, and a problem (with its line number) for each line that cannot be one."""
    text = read_text(path)
    if isinstance(text, IngestProblem):
        yield text
        return
    offset = 0
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        start, offset = offset, offset + len(line)
        if not line.strip():
            continue
        if damage := bad_byte(text, start, offset):
            yield IngestProblem(str(path), f"line {number}", damage)
            continue
        try:
            yield _paper(json.loads(line), path, number)
        except json.JSONDecodeError as exc:
            yield IngestProblem(str(path), f"line {number}", f"malformed JSON: {exc.msg} (column {exc.colno})")
        except RecursionError:
            yield IngestProblem(str(path), f"line {number}", "JSON nested too deeply")
        except _BadRecord as exc:
            yield IngestProblem(str(path), f"line {number}", str(exc))


def _paper(record: Any, path: Path, number: int) -> Paper:
    if not isinstance(record, dict):
        raise _BadRecord(f"expected a JSON object, got {type(record).__name__}")
    title = clean_text(_optional(record, "title", str) or "")
    text = clean_text(_optional(record, "summary", str) or "") or clean_text(_optional(record, "abstract", str) or "")
    if not any(c.isalnum() for c in text):
        raise _BadRecord("no summary or abstract text")
    url = _url(record)
    digest = fingerprint(text)
    record_id = _verbatim(record, "id", (str, int))
    paper_id, url = _identity(record, url, record_id, fallback=url or title or digest)
    return Paper(
        id=paper_id,
        source=SOURCE,
        source_id=str(record_id) if record_id is not None else f"{path.name}#L{number}",
        headline=fit_title(title) if title else derive_headline(text, is_clean=True),
        derived_headline=not title,
        text=text,
        fingerprint=digest,
        authors=_names(record, "authors", _LIST_SPLIT) or derive_authors(text),
        url=url,
        categories=_names(record, "categories", _CATEGORY_SPLIT),
        published=_published(record),
    )


def _identity(record: dict[str, Any], url: str | None, record_id: Any, *, fallback: str) -> tuple[str, str | None]:
    """(paper id, url): the arXiv id or DOI the record names (with its canonical link where it gave none), else a
    hash of `fallback`, scoped to file records."""
    named = [_verbatim(record, key, str) for key in _IDENTITY_FIELDS]
    found = known_identity(url, *named, str(record_id) if record_id is not None else None)
    if found is None:
        return "jl-" + hashlib.sha256(fallback.encode()).hexdigest()[:12], url
    return found[0], url or found[1]


def _optional(record: dict[str, Any], key: str, types: type | tuple[type, ...]) -> Any:
    value = record.get(key)
    if value is None or (isinstance(value, types) and not isinstance(value, bool)):
        return value
    raise _BadRecord(f"field {key!r} has the wrong type ({type(value).__name__})")


def _verbatim(record: dict[str, Any], key: str, types: type | tuple[type, ...]) -> Any:
    """A field kept as written (id, url: never cleaned), so it must be encodable text.

    JSON may escape lone surrogates ("\\ud800"): valid JSON, but no text a store or a hash can encode.
    """
    value = _optional(record, key, types)
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise _BadRecord(f"field {key!r} holds an unpaired surrogate escape (\\ud800-\\udfff)") from None
    return value


def _names(record: dict[str, Any], key: str, separator: re.Pattern[str]) -> tuple[str, ...]:
    """Accept a list of strings or one delimited string ("A, B"), since exports differ."""
    value = _optional(record, key, (str, list))
    items = separator.split(value) if isinstance(value, str) else value or []
    if not all(isinstance(item, str) for item in items):
        raise _BadRecord(f"field {key!r} must hold only strings")
    return tuple(name for name in (clean_text(item) for item in items) if name)


def _url(record: dict[str, Any]) -> str | None:
    url = (_verbatim(record, "url", str) or "").strip()
    if url and not url.lower().startswith(("https://", "http://")):
        raise _BadRecord("field 'url' must be an http(s) URL")
    return url or None


def _published(record: dict[str, Any]) -> datetime | None:
    """Parse an ISO date or datetime; a value without a zone is taken as UTC so comparisons never mix kinds."""
    value = _optional(record, "published", str)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except ValueError:
        raise _BadRecord(f"field 'published' is not an ISO date: {value[:40]!r}") from None
    except OverflowError:  # e.g. 9999-12-31T23:59-23:59, which is past the calendar's end in UTC
        raise _BadRecord(f"field 'published' is out of range: {value[:40]!r}") from None
