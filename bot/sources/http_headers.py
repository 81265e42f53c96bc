"""What HTTP headers say about a feed response: validators for a cheap conditional GET, and how long to wait."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from bot.models import HttpValidators


def conditional_headers(url: str, validators: HttpValidators | None) -> dict[str, str]:
    """If-None-Match / If-Modified-Since, only from validators recorded for this very URL."""
    if validators is None or validators.url != url:
        return {}
    headers = {}
    if validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    return headers


def offered_validators(url: str, headers: Mapping[str, str]) -> HttpValidators | None:
    """What the server offered to identify this response, keyed by the requested URL (the one asked again next time)."""
    etag, modified = headers.get("ETag"), headers.get("Last-Modified")
    return HttpValidators(url, etag, modified) if etag or modified else None


def kept_validators(sent: HttpValidators | None, fresh: HttpValidators | None) -> HttpValidators | None:
    """Keep the validators that still hold after a 304, updated by any the 304 itself carried."""
    if sent is None or fresh is None:
        return fresh or sent
    return HttpValidators(sent.url, fresh.etag or sent.etag, fresh.last_modified or sent.last_modified)


def retry_after_s(value: str | None) -> float | None:
    """Seconds a Retry-After asks for, in either form (delta-seconds or an HTTP date); None when absent or garbled."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return max(seconds, 0.0) if math.isfinite(seconds) else None
