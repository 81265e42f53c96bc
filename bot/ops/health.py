"""What `/healthz` reports: whether the store answers, each platform's last digest, and each source's last fetch.

Platform-neutral: the worker serves it over HTTP (adapters/http_health.py); a monitor or load balancer polls it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from bot.errors import PaperbotError
from bot.ports.outbox import Outbox
from bot.ports.sources import SourceRecords

log = logging.getLogger(__name__)

STORE_TIMEOUT_S = 5.0  # a monitor's request must get an answer even when the database hangs
_MAX_ERROR = 300

Status = Literal["ok", "degraded", "down"]


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """One source's last successful fetch, and since when it fails (None while healthy)."""

    last_success: datetime | None
    failing_since: datetime | None


@dataclass(frozen=True, slots=True)
class HealthReport:
    """One answer of the health check; `store_error` is None while the store answers."""

    checked_at: datetime
    store_error: str | None = None
    platforms: Mapping[str, datetime | None] = field(default_factory=dict)  # platform -> newest sent digest
    sources: Mapping[str, SourceHealth] = field(default_factory=dict)

    @property
    def store_reachable(self) -> bool:
        return self.store_error is None

    @property
    def status(self) -> Status:
        """down: the store does not answer; degraded: a source is failing; else ok."""
        if not self.store_reachable:
            return "down"
        if any(source.failing_since is not None for source in self.sources.values()):
            return "degraded"
        return "ok"

    def to_json(self) -> dict[str, Any]:
        """The JSON body: status, store, per-platform last digest and per-source health, times in ISO 8601."""
        return {
            "status": self.status,
            "checked_at": self.checked_at.isoformat(),
            "store": {"reachable": self.store_reachable, "error": self.store_error},
            "platforms": {name: {"last_digest": _iso(last)} for name, last in self.platforms.items()},
            "sources": {
                name: {"last_success": _iso(source.last_success), "failing_since": _iso(source.failing_since)}
                for name, source in self.sources.items()
            },
        }


async def health_report(
    outbox: Outbox,
    records: SourceRecords,
    platforms: Sequence[str],
    now: datetime,
    *,
    sources: Sequence[str] | None = None,
    timeout_s: float = STORE_TIMEOUT_S,
) -> HealthReport:
    """Ask the store how each served platform and each source is doing; a store failure becomes `store_error`.

    `sources` names the configured sources (those never fetched show nulls); None reports every stored state.
    """
    try:
        async with asyncio.timeout(timeout_s):
            delivered = await outbox.delivery_status()
            states = {state.name: state for state in await records.source_states()}
    except TimeoutError:
        return HealthReport(now, f"the store did not answer within {timeout_s:g} s")
    except PaperbotError as exc:  # its message may name the database: kept in the log, off a public endpoint
        log.warning("health check: the store is unreachable: %s", exc)
        return HealthReport(now, "the store is unreachable (the worker's log says why)")
    except Exception as exc:  # whatever broke, the health check answers instead of raising
        log.exception("health check: the store failed")
        return HealthReport(now, f"the store failed: {type(exc).__name__}")
    last: dict[str, datetime | None] = dict.fromkeys(platforms)
    for ref, (sent, _pending) in delivered.items():
        if ref.platform in last and sent is not None:
            current = last[ref.platform]
            last[ref.platform] = sent if current is None else max(current, sent)
    health = {}
    for name in sorted(states) if sources is None else sources:
        state = states.get(name)
        health[name] = SourceHealth(state.last_success if state else None, state.failing_since if state else None)
    return HealthReport(now, None, last, health)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _one_line(text: str) -> str:
    line = (text.strip().splitlines() or ["unknown error"])[0]
    return line if len(line) <= _MAX_ERROR else line[: _MAX_ERROR - 1] + "…"
