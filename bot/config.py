"""Settings: config.toml, overridden by PAPERBOT_<SECTION>__<KEY> and the platforms' conventional env names.

Loaded once at start and passed down. Every mistake becomes one `ConfigError` line that names the key.
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bot.cronspec import cron_error, zone_error
from bot.errors import ConfigError
from bot.models import ChannelRef

log = logging.getLogger(__name__)

ENV_PREFIX = "PAPERBOT_"
CONFIG_ENV = "PAPERBOT_CONFIG"
# The names platforms and hosting services set themselves; they sit below PAPERBOT_* in priority.
CONVENTIONAL_ENV: Mapping[str, tuple[str, str]] = {
    "SLACK_BOT_TOKEN": ("slack", "bot_token"),
    "SLACK_APP_TOKEN": ("slack", "app_token"),
    "SLACK_SIGNING_SECRET": ("slack", "signing_secret"),
    "SLACK_CLIENT_ID": ("slack", "client_id"),
    "SLACK_CLIENT_SECRET": ("slack", "client_secret"),
    "DISCORD_TOKEN": ("discord", "token"),
    "DATABASE_URL": ("database", "url"),
    "SEMANTIC_SCHOLAR_API_KEY": ("semantic_scholar", "api_key"),
}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any, info: ValidationInfo) -> Any:
        """An empty string in config.toml means "not set" for optional keys (tokens, URLs, model)."""
        field = cls.model_fields[info.field_name] if info.field_name else None
        if value == "" and field is not None and field.default is None:
            return None
        return value


class DatabaseSettings(_Section):
    """Where the store lives; empty means SQLite in the user's data directory."""

    url: str = ""

    @field_validator("url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        return normalize_database_url(url) if url else url

    def resolved_url(self) -> str:
        """The URL to connect to, falling back to the embedded SQLite file."""
        return self.url or default_database_url()


class SummarizerSettings(_Section):
    """Which local model condenses papers into TL;DRs."""

    kind: Literal["extractive", "abstractive", "instruct"] = "extractive"
    model: str | None = None  # for "instruct", "folder::file.gguf" names a GGUF checkpoint
    int8: bool = False  # instruct on CPU: dynamic int8 linear layers (faster, slightly different text)
    max_words: int = Field(60, ge=10, le=300)
    batch_size: int = Field(64, ge=1, le=1024)
    device: str = "cpu"


class DigestSettings(_Section):
    """Defaults for channels that have not chosen their own settings."""

    size: int = Field(5, ge=1, le=50)
    topics: list[str] = Field(default_factory=list)
    cron: str = "0 9 * * *"
    timezone: str = "UTC"
    header: str = Field("Papers for you", min_length=1, max_length=100)
    semantic_threshold: float = Field(0.43, ge=-1.0, le=1.0)  # cosine; see config.example.toml
    hide_threshold: float = Field(0.65, ge=-1.0, le=1.0)  # cosine to a "not interested" paper that leaves one out

    @field_validator("header")
    @classmethod
    def _visible(cls, header: str) -> str:
        if not header.strip():  # Slack refuses an empty header block, Discord an empty message: every digest would fail
            raise ValueError("the digest header must contain a visible character")
        return header

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        if problem := zone_error(name):
            raise ValueError(problem)
        return name

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, cron: str) -> str:
        if problem := cron_error(cron):
            raise ValueError(problem)
        return cron


class CommandSettings(_Section):
    """Limits on what one user can ask of the bot."""

    per_user_per_minute: int = Field(20, ge=1, le=1000)


class ConsoleSettings(_Section):
    """The terminal stands in for one chat channel and one user."""

    workspace: str = "local"
    channel: str = "demo"
    user: str = "me"

    @property
    def ref(self) -> ChannelRef:
        """The terminal's one channel."""
        return ChannelRef(platform="console", workspace=self.workspace, channel_id=self.channel)


class SlackSettings(_Section):
    """Slack app credentials and behaviour; tokens come from env or an owner-only config file."""

    bot_token: SecretStr | None = None
    app_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    api_url: str | None = None
    timeout_s: int = Field(30, ge=1)  # a Web API call unanswered this long fails (Socket Mode's connect then retries)
    command: str = "/papers"
    admins: list[str] = Field(default_factory=list)
    save_emoji: str = "bookmark"
    upvote_emoji: str = "+1"
    downvote_emoji: str = "-1"
    # A resumed digest's read-back (conversations.history) waits this long after the previous one in the workspace:
    # Slack allows apps outside its Marketplace one call a minute (Marketplace apps may set it lower).
    history_interval_s: float = Field(60.0, ge=0)
    # "Add to Slack" (OAuth, HTTP mode): with client_id and client_secret set, each workspace gets its own bot token.
    client_id: str | None = None
    client_secret: SecretStr | None = None
    scopes: list[str] = Field(
        default_factory=lambda: [
            "chat:write",
            "commands",
            "reactions:read",
            "channels:history",
            "groups:history",
            "im:write",
            "files:write",
            "channels:read",
            "groups:read",
            "files:read",
        ]
    )
    # Answer paper links as link previews (link_shared + chat.unfurl) rather than thread replies: needs the links:read
    # and links:write scopes and arxiv.org, doi.org, huggingface.co and shortscience.org as the app's unfurl domains.
    unfurl_links: bool = False
    install_path: str = "/slack/install"
    redirect_uri_path: str = "/slack/oauth_redirect"


class DiscordSettings(_Section):
    """Discord bot credentials and behaviour."""

    token: SecretStr | None = None
    api_url: str | None = None
    timeout_s: int = Field(30, ge=1)  # a login unanswered this long (a blackholed network) is retried after a back-off
    save_emoji: str = "🔖"
    upvote_emoji: str = "👍"
    downvote_emoji: str = "👎"
    admin_role: str | None = None
    shard_count: int | None = Field(None, ge=1)
    # Read every message for paper links (the privileged message_content intent, to be enabled for the bot in the
    # Developer Portal too); off, only messages that mention the bot are read.
    message_content: bool = False


# Slack: a second's worth may burst; Discord: just under its global 50 requests/s per bot token, spaced evenly.
POSTS_PER_S: Mapping[str, float] = {"slack": 20.0, "discord": 48.0}


class SchedulerSettings(_Section):
    """How `paperbot run` keeps schedules: missed runs, leases between workers, retries and pacing."""

    misfire_grace_s: int = Field(6 * 3600, ge=1)  # a run missed by less than this still posts (once: coalesced)
    lease_s: float = Field(30.0, gt=0)  # a dead worker's claim returns after this (renewed every third of it)
    sweep_s: float = Field(15.0, gt=0)  # how often a worker resyncs schedules and looks for work left behind
    failed_hold_s: float = Field(900.0, ge=0)  # after a failed post, recovery leaves the channel alone this long
    concurrency: int = Field(32, ge=1, le=1000)  # digests in flight per worker
    retry_attempts: int = Field(5, ge=1, le=20)
    retry_base_s: float = Field(1.0, ge=0)
    retry_cap_s: float = Field(60.0, ge=0)
    # Each platform's shared pacing in this worker process; a platform left out keeps its default.
    posts_per_s: dict[str, Annotated[float, Field(gt=0)]] = Field(default_factory=lambda: dict(POSTS_PER_S))
    shutdown_s: float = Field(5.0, ge=0)  # SIGTERM: in-flight posts get this long to finish (a stop takes <= 10 s)

    @field_validator("posts_per_s")
    @classmethod
    def _defaults_for_the_rest(cls, rates: dict[str, float]) -> dict[str, float]:
        return {**POSTS_PER_S, **rates}


class IngestSettings(_Section):
    """Source files re-ingested (and new papers summarized) on their own cron, ahead of digest time."""

    paths: list[str] = Field(default_factory=list)
    cron: str = "0 7 * * *"
    timezone: str = "UTC"

    _known_zone = field_validator("timezone")(DigestSettings._known_zone.__func__)  # type: ignore[attr-defined]
    _valid_cron = field_validator("cron")(DigestSettings._valid_cron.__func__)  # type: ignore[attr-defined]


SourceKind = Literal["arxiv", "arxiv-listing", "rss", "shortscience", "huggingface"]
DEFAULT_SOURCE_URLS: Mapping[str, str] = {
    "arxiv": "https://export.arxiv.org/api/query",
    "arxiv-listing": "https://rss.arxiv.org/rss",
    "shortscience": "https://www.shortscience.org/rss.xml",
    "huggingface": "https://huggingface.co",
}


class SourceSettings(_Section):
    """One `[[sources]]` table: where papers come from and when to look (ahead of digest time)."""

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    kind: SourceKind
    url: str | None = None  # the feed (rss, shortscience) or the service's base URL (others; defaults to the real one)
    categories: list[str] = Field(default_factory=list)  # arXiv categories, e.g. cs.LG
    query: str | None = None  # arXiv API keywords; "quoted phrases" stay together
    max_results: int = Field(200, ge=1, le=10_000)  # arXiv API: newest papers per fetch, over pages
    page_size: int = Field(100, ge=1, le=2000)  # arXiv API: results per request (arXiv allows up to 2000)
    days: int = Field(2, ge=1, le=14)  # huggingface: today's list and the days before it
    cron: str = "0 6 * * *"
    timezone: str = "UTC"
    enabled: bool = True
    channels: list[str] = Field(default_factory=list)  # "platform:workspace/channel" told of outages; empty: all

    _known_zone = field_validator("timezone")(DigestSettings._known_zone.__func__)  # type: ignore[attr-defined]
    _valid_cron = field_validator("cron")(DigestSettings._valid_cron.__func__)  # type: ignore[attr-defined]

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str | None) -> str | None:
        if url is not None and not url.lower().startswith(("https://", "http://")):
            raise ValueError(f"{url!r} is not an http(s) URL")
        return url

    @model_validator(mode="after")
    def _complete(self) -> SourceSettings:
        if self.kind == "rss" and not self.url:
            raise ValueError(f"source {self.name!r}: kind 'rss' needs a url")
        if self.kind == "arxiv" and not (self.categories or self.query):
            raise ValueError(f"source {self.name!r}: kind 'arxiv' needs categories or a query")
        if self.kind == "arxiv-listing" and not self.categories:
            raise ValueError(f"source {self.name!r}: kind 'arxiv-listing' needs categories")
        return self

    def resolved_url(self) -> str:
        """The configured URL, else the real service's."""
        return self.url or DEFAULT_SOURCE_URLS[self.kind]


class FetchSettings(_Section):
    """How sources are fetched: who we are (arXiv and others ask for a contact), and what we refuse."""

    contact: str | None = None  # e.g. "mailto:ops@your-lab.org" or a URL; sent in the User-Agent
    timeout_s: float = Field(30.0, gt=0, le=600)
    max_mb: float = Field(20.0, gt=0, le=200)  # a response larger than this is refused, never stored in part
    max_field_chars: int = Field(100_000, ge=1000, le=10_000_000)  # a longer text of one paper is cut, with a line
    retry_attempts: int = Field(4, ge=1, le=10)
    max_wait_s: float = Field(120.0, ge=0, le=3600)  # the longest Retry-After honoured; longer fails the fetch
    max_fetch_s: float = Field(900.0, gt=0, le=6 * 3600)  # one source's whole fetch: requests, waits and pacing
    allow_private_redirects: bool = False  # may a configured private feed redirect to other private addresses?
    outage_notice_h: float = Field(24.0, gt=0)  # a source failing this long is announced, once, in its channels


class SemanticScholarSettings(_Section):
    """Enrichment after source fetches: Semantic Scholar's TL;DR (shown before ours), venue, citation count and a
    title where the source gave none, for papers known by an arXiv id. Off unless `enabled`; a shared doi.org link is
    looked up at `url` (with `api_key`) either way."""

    enabled: bool = False
    url: str = "https://api.semanticscholar.org"  # the Graph API's base URL
    api_key: SecretStr | None = None  # optional (SEMANTIC_SCHOLAR_API_KEY): a key gets its own rate limit
    batch_size: int = Field(100, ge=1, le=500)  # papers per batch request (the API takes at most 500)
    max_papers: int = Field(1000, ge=1, le=100_000)  # papers looked up per run, so a backlog spreads over runs
    refresh_days: float = Field(30.0, gt=0)  # a paper is looked up again after this long (citations grow)
    min_interval_s: float = Field(1.0, ge=1.0)  # between requests: the API allows at most one per second

    _http_url = field_validator("url")(SourceSettings._http_url.__func__)  # type: ignore[attr-defined]


class LoggingSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class Settings(BaseSettings):
    """All of paperbot's configuration, one model per config.toml section."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", frozen=True, case_sensitive=False
    )

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    summarizer: SummarizerSettings = Field(default_factory=SummarizerSettings)
    digest: DigestSettings = Field(default_factory=DigestSettings)
    commands: CommandSettings = Field(default_factory=CommandSettings)
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    scheduler: SchedulerSettings = Field(default_factory=SchedulerSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    fetch: FetchSettings = Field(default_factory=FetchSettings)
    semantic_scholar: SemanticScholarSettings = Field(default_factory=SemanticScholarSettings)
    sources: list[SourceSettings] = Field(default_factory=list)

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, sources: list[SourceSettings]) -> list[SourceSettings]:
        names = [source.name for source in sources]
        if repeated := sorted({name for name in names if names.count(name) > 1}):
            raise ValueError(f"source names must be unique: {', '.join(repeated)} appears more than once")
        return sources

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """PAPERBOT_* env beats conventional env names, which beat the file (passed as init values)."""
        return env_settings, _ConventionalEnvSource(settings_cls), init_settings


class _ConventionalEnvSource(PydanticBaseSettingsSource):
    """Reads SLACK_BOT_TOKEN, DATABASE_URL, ... so the bot runs where platforms set those names."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:  # pragma: no cover - unused
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        values: dict[str, dict[str, str]] = {}
        for name, (section, key) in CONVENTIONAL_ENV.items():
            if os.environ.get(name):
                values.setdefault(section, {})[key] = os.environ[name]
        return values


def normalize_database_url(url: str) -> str:
    """Map the URLs hosting platforms hand out (postgres://, sqlite:///) to the async drivers the store uses."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"{url!r} is not a database URL (expected e.g. sqlite+aiosqlite:///path or postgresql://...)")
    drivers = {"postgres": "postgresql+asyncpg", "postgresql": "postgresql+asyncpg", "sqlite": "sqlite+aiosqlite"}
    return f"{drivers.get(scheme.lower(), scheme)}://{rest}"


def default_database_url() -> str:
    """SQLite in the per-user data directory, so the bot works with no setup."""
    from platformdirs import user_data_path

    return f"sqlite+aiosqlite:///{user_data_path('paperbot') / 'paperbot.sqlite3'}"


def default_config_path() -> Path | None:
    """The config file used when none is named: $PAPERBOT_CONFIG, ./config.toml, then the user config dir."""
    from platformdirs import user_config_path

    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    for candidate in (Path("config.toml"), user_config_path("paperbot") / "config.toml"):
        if candidate.is_file():
            return candidate
    return None


def load_settings(path: Path | None = None) -> Settings:
    """Read the config file (if any) and the environment; raise ConfigError with one line on any mistake."""
    path = path or default_config_path()
    file_values = _read_toml(path) if path else {}
    if path and _holds_secrets(file_values) and path.stat().st_mode & 0o077:
        log.warning("config file %s holds secrets but others can read it: run `chmod 600 %s`", path, path)
    try:
        return Settings(**file_values)
    except ValidationError as exc:
        raise ConfigError(_one_line(exc, path)) from None


def _holds_secrets(values: Mapping[str, Any]) -> bool:
    """Whether the file sets any token or signing secret (empty strings mean unset)."""
    return any(
        isinstance(section := values.get(section_name), Mapping) and bool(section.get(key))
        for section_name, key in CONVENTIONAL_ENV.values()
        if key != "url"
    )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def _one_line(exc: ValidationError, path: Path | None) -> str:
    """Name each bad key the way a user writes it (section.key) with pydantic's reason."""
    where = f"config {path}" if path else "config"
    problems = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        if error["type"] == "extra_forbidden":
            problems.append(f"unknown key {key}")
        else:
            reason = error["msg"].removeprefix("Value error, ")
            problems.append(f"{key}: {reason}")
    return f"{where}: " + "; ".join(problems)
