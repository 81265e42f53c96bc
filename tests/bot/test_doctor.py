"""`paperbot doctor` against the fake Slack and Discord servers, real SQLite files and broken configs."""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import discord
import pytest

from adapters.discord.doctor import discord_checks
from adapters.slack.doctor import slack_checks
from app.cli import common as cli_common
from app.cli.main import app
from bot.config import DiscordSettings, Settings, SlackSettings
from bot.models import SourceState
from bot.ops.doctor import Check, source_checks, summarizer_check
from storage.doctor import database_check, stored_source_states
from storage.migrate import downgrade, upgrade
from storage.sql_store import SqlStore
from testing.discord_api import FakeDiscord, serve
from testing.slack_api import FakeSlack

SLACK_TOKEN = "xoxb-4242-4343-doctorSLACKsecret"
APP_TOKEN = "xoxb-not-an-app-token-DOCTORappSECRET"  # the wrong kind of token where the app-level one belongs
DISCORD_TOKEN = "MTIzNDU2.doctor-discord-SECRET.token"
AT = datetime(2025, 3, 1, 6, 0, tzinfo=UTC)
SECRETS = (SLACK_TOKEN, APP_TOKEN, DISCORD_TOKEN, "doctorSLACKsecret", "DOCTORappSECRET", "doctor-discord-SECRET")


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


# Slack


async def test_slack_good_token_names_the_bot_and_has_every_scope(fake_slack):
    settings = SlackSettings(bot_token=SLACK_TOKEN, app_token="xapp-1-A1-123-abc", api_url=fake_slack.api_url)
    checks = by_name(await slack_checks(settings))
    assert checks["slack token"].ok is True and "UBOT" in checks["slack token"].detail
    assert "T0001" in checks["slack token"].detail
    assert checks["slack scopes"].ok is True
    assert checks["slack connection"].ok is True and "Socket Mode" in checks["slack connection"].detail


async def test_slack_token_with_fewer_scopes_lists_the_missing_ones(fake_slack):
    fake_slack.scopes = ["chat:write", "commands"]
    settings = SlackSettings(bot_token=SLACK_TOKEN, signing_secret="s" * 32, api_url=fake_slack.api_url)
    scopes = by_name(await slack_checks(settings))["slack scopes"]
    assert scopes.ok is False
    for missing in ("reactions:read", "channels:history", "groups:history", "im:write", "files:write"):
        assert missing in scopes.detail and missing in scopes.fix
    assert "chat:write" not in scopes.detail and "reinstall" in scopes.fix


async def test_slack_bad_token_fails_with_invalid_auth_and_how_to_get_a_new_one(fake_slack):
    fake_slack.bot_token = "xoxb-the-one-slack-knows"
    settings = SlackSettings(bot_token=SLACK_TOKEN, app_token="xapp-1-A1-123-abc", api_url=fake_slack.api_url)
    checks = by_name(await slack_checks(settings))
    token = checks["slack token"]
    assert token.ok is False and "invalid_auth" in token.detail and "api.slack.com/apps" in token.fix
    assert checks["slack scopes"].ok is None


async def test_slack_app_token_of_the_wrong_kind_fails_without_showing_it(fake_slack):
    settings = SlackSettings(bot_token=SLACK_TOKEN, app_token=APP_TOKEN, api_url=fake_slack.api_url)
    connection = by_name(await slack_checks(settings))["slack connection"]
    assert connection.ok is False and "xapp-" in connection.detail and "App-Level Tokens" in connection.fix
    assert not any(secret in connection.detail + connection.fix for secret in SECRETS)


async def test_slack_and_discord_are_skipped_when_not_configured():
    assert [check.ok for check in await slack_checks(SlackSettings())] == [None]
    assert [check.ok for check in await discord_checks(DiscordSettings())] == [None]


# Discord


@pytest.fixture
async def fake_discord():
    runner, url = await serve(FakeDiscord(token=DISCORD_TOKEN))
    try:
        yield url
    finally:
        await runner.cleanup()


async def test_discord_good_token_names_the_bot_and_leaves_the_api_base_alone(fake_discord):
    base = discord.http.Route.BASE
    [check] = await discord_checks(DiscordSettings(token=DISCORD_TOKEN, api_url=fake_discord))
    assert check.ok is True and "paperbot" in check.detail
    assert discord.http.Route.BASE == base


async def test_discord_refused_token_fails_with_how_to_reset_it(fake_discord):
    [check] = await discord_checks(DiscordSettings(token="MTIz.wrong.token", api_url=fake_discord))
    assert check.ok is False and "401" in check.detail and "Reset" not in check.detail
    assert "discord.com/developers/applications" in check.fix


# Database, model, sources


async def test_database_behind_head_says_run_db_upgrade(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}"
    await upgrade(url)
    assert (await database_check(url)).ok is True
    await downgrade(url, "-1")
    check = await database_check(url)
    assert check.ok is False and "expects" in check.detail and check.fix == "run `paperbot db upgrade`"


async def test_missing_sqlite_file_is_reported_not_created(tmp_path):
    path = tmp_path / "none" / "paperbot.sqlite3"
    check = await database_check(f"sqlite+aiosqlite:///{path}")
    assert check.ok is False and "paperbot db upgrade" in check.fix
    assert not path.exists()


async def test_unreadable_database_fails_with_one_line(tmp_path):
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"this is not a database file" * 100)
    check = await database_check(f"sqlite+aiosqlite:///{broken}")
    assert check.ok is False and "not a database" in check.detail and "\n" not in check.detail


async def test_abstractive_model_missing_offline_says_how_to_fetch_it(tmp_path):
    settings = Settings(summarizer={"kind": "abstractive", "model": str(tmp_path / "no-model")})
    check = await summarizer_check(settings)
    assert check.ok is False and "paperbot model fetch" in check.fix


async def test_sources_without_contact_warn_and_a_failing_source_fails_with_its_error(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'src.sqlite3'}"
    store = await SqlStore.connect(url)
    try:
        await store.sources.put_source_state(SourceState("feed", failing_since=None, last_error=None))
        await store.sources.put_source_state(
            SourceState("broken", last_attempt=AT, failing_since=AT, last_error="HTTP 503 from the feed")
        )
    finally:
        await store.close()
    settings = Settings(
        database={"url": url},
        sources=[
            {"name": "feed", "kind": "rss", "url": "https://example.org/feed.xml"},
            {"name": "broken", "kind": "rss", "url": "https://example.org/broken.xml"},
            {"name": "off", "kind": "arxiv", "categories": ["cs.LG"], "enabled": False},
        ],
    )
    checks = by_name(await source_checks(settings, stored_source_states))
    contact = checks["fetch contact"]
    assert contact.warning and contact.ok is True and "contact" in contact.fix
    assert checks["source feed"].ok is True and "not fetched yet" in checks["source feed"].detail
    broken = checks["source broken"]
    assert broken.ok is False and "HTTP 503 from the feed" in broken.detail and "sources fetch broken" in broken.fix
    assert checks["source off"].ok is None


# The command


@pytest.fixture
def runner(runner, monkeypatch):
    """The CLI runner, with no platform tokens from the environment."""
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "DISCORD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return runner


def test_malformed_config_is_one_failed_check_and_exit_1(runner, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[digest\nsize = \n", encoding="utf-8")
    result = runner.invoke(app, ["--config", str(bad), "doctor"], catch_exceptions=False)
    assert result.exit_code == 1
    assert "is not valid TOML" in result.output and "Traceback" not in result.output
    assert result.output.count("skipped: the config did not load") == 6
    assert "1. config:" in result.output


def test_database_behind_head_fails_the_command_with_the_fix(runner, tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    asyncio.run(upgrade(url))
    asyncio.run(downgrade(url, "-1"))
    result = runner.invoke(app, ["doctor"], catch_exceptions=False)
    assert result.exit_code == 1
    assert "run `paperbot db upgrade`" in result.output and "✗" in result.output


@contextmanager
def fakes_in_a_thread() -> Iterator[tuple[FakeSlack, str]]:
    """Fake Slack and Discord on their own loop in a thread: the command runs asyncio.run in the test's thread."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def call(coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=10)

    async def start() -> tuple[FakeSlack, Any, str]:
        slack = await FakeSlack().start()
        runner, url = await serve(FakeDiscord(token=DISCORD_TOKEN))
        return slack, runner, url

    slack, discord_runner, discord_url = call(start())
    try:
        yield slack, discord_url
    finally:
        call(slack.close())
        call(discord_runner.cleanup())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def test_the_whole_output_and_every_log_record_are_free_of_tokens(runner, tmp_path, monkeypatch, caplog):
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"))
    configure = cli_common._configure_logging

    def keep_caplog_first(level: int, *, secrets: list[str]) -> None:
        configure(level, secrets=secrets)  # replaces the root handlers (force=True)...
        logging.getLogger().handlers.insert(0, caplog.handler)  # ...so capture raw records, before any redaction

    monkeypatch.setattr(cli_common, "_configure_logging", keep_caplog_first)
    caplog.set_level(logging.DEBUG)
    with fakes_in_a_thread() as (slack, discord_url):
        slack.bot_token = SLACK_TOKEN
        monkeypatch.setenv("SLACK_BOT_TOKEN", SLACK_TOKEN)
        monkeypatch.setenv("SLACK_APP_TOKEN", APP_TOKEN)
        monkeypatch.setenv("PAPERBOT_SLACK__API_URL", slack.api_url)
        monkeypatch.setenv("DISCORD_TOKEN", DISCORD_TOKEN.replace("SECRET", "WRONG"))
        monkeypatch.setenv("PAPERBOT_DISCORD__API_URL", discord_url)
        result = runner.invoke(app, ["--verbose", "doctor"], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert "bot user paperbot (UBOT)" in result.output  # the Slack token works...
    assert "not an app-level token" in result.output  # ...the app token is the wrong kind...
    assert "Discord refused the bot token" in result.output  # ...and Discord refuses its token
    logged = caplog.text + "\n".join(record.getMessage() for record in caplog.records)
    assert caplog.records, "the debug logs were not captured"
    wrong_discord = DISCORD_TOKEN.replace("SECRET", "WRONG")
    for text in (result.output, result.stderr, logged):
        for secret in (*SECRETS, wrong_discord, "doctor-discord-WRONG"):
            assert secret not in text


def test_a_stored_invalid_schedule_fails_doctor_and_status_still_works(runner, tmp_path):
    from bot.models import Channel, ChannelRef

    async def store_bad_row() -> None:
        store = await SqlStore.connect(f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}")
        try:  # as an older paperbot stored it: cron was not validated then
            await store.channels.upsert_channel(Channel(ChannelRef("console", "local", "bad"), cron="0 25 * * *"))
        finally:
            await store.close()

    asyncio.run(store_bad_row())
    doctor = runner.invoke(app, ["doctor"], catch_exceptions=False)
    assert doctor.exit_code == 1 and "Traceback" not in doctor.output
    shown = re.sub(r"[\s│]+", " ", doctor.output)
    assert "never scheduled (invalid schedule): console:local/bad: cron '0 25 * * *' is invalid" in shown
    assert "1. schedules: in each channel named, set a schedule with `/papers schedule" in shown
    status = runner.invoke(app, ["status"], catch_exceptions=False)
    assert status.exit_code == 0 and "Traceback" not in status.output
    assert "never: invalid schedule" in re.sub(r"[\s│]+", " ", status.output)
