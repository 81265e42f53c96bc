"""'Add to Slack' end to end: bolt's install page and redirect, oauth.v2.access on the fake Web API, installations in
the bot's SQLite file, one bot token per workspace for digests, and uninstall events that stop the posts.
"""

from __future__ import annotations

import asyncio
import base64
import html
import json
import logging
import re
import sqlite3
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import sqlalchemy
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from adapters.http_server import http_app
from adapters.slack.adapter import SlackAdapter
from adapters.slack.oauth import SlackInstallations, open_installations
from app.parts import command_router, digest_service, reaction_handler
from bot.config import SlackSettings, load_settings
from bot.errors import ConfigError, NotInstalledError
from bot.models import Channel, ChannelRef, DigestItem, DigestMessage
from storage.engine import open_write_engine
from storage.sql_store import SqlStore
from testing.slack_api import FakeSlack
from tests.adapters.slack.conftest import SIGNING_SECRET, FirstWords, sign

CLIENT_ID = "1234567890.0987654321"
CLIENT_SECRET = "c1ient-SECRET-5f2d9a"
BOT_TOKENS = {"T1": "xoxb-100-200-T1botSECRET", "T2": "xoxb-300-400-T2botSECRET"}
COOKIE = "slack-app-oauth-state"

SCOPES = (
    "chat:write,commands,reactions:read,channels:history,groups:history,im:write,files:write,channels:read,groups:read,"
    "files:read"
)


class InstallingSlack(FakeSlack):
    """The fake Web API that also answers oauth.v2.access: code `code-T1` installs workspace T1, and so on."""

    def _answer(self, method: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method != "oauth.v2.access":
            return super()._answer(method, body)
        team = str(body.get("code", "")).removeprefix("code-")
        if team not in BOT_TOKENS:
            return 200, {"ok": False, "error": "invalid_code"}
        return 200, {  # what Slack answers for a bot-scopes-only install
            "ok": True,
            "app_id": "A1",
            "authed_user": {"id": "U1"},
            "scope": SCOPES,
            "token_type": "bot",
            "access_token": BOT_TOKENS[team],
            "bot_user_id": f"UBOT{team}",
            "team": {"id": team, "name": f"Team {team}"},
            "enterprise": None,
            "is_enterprise_install": False,
        }


@dataclass
class Distributed:
    """The app distributed with OAuth: its HTTP side, the fake Web API, and the database file."""

    fake: InstallingSlack
    installations: SlackInstallations
    adapter: SlackAdapter
    http: TestClient
    db: Path

    async def start_install(self) -> str:
        """Open the install page as a browser would; return the state carried by its "Add to Slack" link."""
        response = await self.http.get("/slack/install")
        assert response.status == 200
        link = html.unescape(re.search(r'<a href="([^"]+)"', await response.text())[1])
        query = parse_qs(urlsplit(link).query)
        assert link.startswith("https://slack.com/oauth/v2/authorize?")
        assert query["client_id"] == [CLIENT_ID] and query["scope"] == [SCOPES]
        assert response.headers["Set-Cookie"].startswith(f"{COOKIE}={query['state'][0]};")
        return query["state"][0]

    async def redirect(self, code: str, state: str, cookie: str | None = None) -> ClientResponse:
        """Come back from Slack's consent screen to the redirect URL, with the browser's state cookie."""
        return await self.http.get(
            "/slack/oauth_redirect",
            params={"code": code, "state": state},
            headers={"Cookie": f"{COOKIE}={cookie or state}"},
        )

    async def install(self, team: str) -> None:
        response = await self.redirect(f"code-{team}", await self.start_install())
        assert response.status == 200 and "Thank you!" in await response.text()

    async def event(self, team: str, event: dict[str, Any]) -> None:
        """POST a signed Events API callback from `team`."""
        body = json.dumps(
            {
                "team_id": team,
                "api_app_id": "A1",
                "type": "event_callback",
                "event": event,
                "event_id": f"Ev{time.monotonic_ns()}",
                "event_time": int(time.time()),
            }
        )
        response = await self.http.post(
            "/slack/events", data=body, headers={**sign(body), "Content-Type": "application/json"}
        )
        assert response.status == 200

    def bot_tokens_in_file(self) -> dict[str, str]:
        with sqlite3.connect(self.db) as connection:
            return dict(connection.execute("SELECT team_id, bot_token FROM slack_bots").fetchall())


def oauth_settings(fake: FakeSlack, **overrides: Any) -> SlackSettings:
    values = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "signing_secret": SIGNING_SECRET,
        "api_url": fake.api_url,
    }
    return SlackSettings(**{**values, **overrides})


def digest(team: str) -> DigestMessage:
    item = DigestItem("p1", "A paper", "It works.", "arxiv", "https://arxiv.org/abs/1", ("Ada",))
    return DigestMessage("d1", ChannelRef("slack", team, "C1"), "Papers", datetime(2024, 5, 6, tzinfo=UTC), (item,))


def bearer_of_last_post(fake: FakeSlack) -> str:
    return fake.posts()[-1].headers["Authorization"]


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[Distributed]:
    db = tmp_path / "paperbot.sqlite3"
    url = f"sqlite+aiosqlite:///{db}"
    fake = await InstallingSlack().start()
    store = await SqlStore.connect(url)
    settings = oauth_settings(fake)
    installations = await open_installations(settings, partial(open_write_engine, url))
    assert installations is not None

    async def load_channel(ref: ChannelRef) -> Channel:
        return await store.channels.get_channel(ref) or await store.channels.upsert_channel(Channel(ref))

    router = command_router(store, digest_service(store, FirstWords(), header="Papers"), load_channel)
    adapter = SlackAdapter(
        settings,
        router,
        reaction_handler(store, {"slack": settings.save_emoji}),
        channel_interval=0,
        installations=installations,
    )
    async with TestClient(TestServer(http_app([adapter]))) as http:
        yield Distributed(fake, installations, adapter, http, db)
    await adapter.stop()
    await store.close()
    await fake.close()


async def test_add_to_slack_stores_each_workspace_and_digests_post_with_its_own_token(app: Distributed) -> None:
    await app.install("T1")
    await app.install("T2")

    assert app.bot_tokens_in_file() == BOT_TOKENS
    exchange = next(call for call in app.fake.calls if call.method == "oauth.v2.access")
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert exchange.headers["Authorization"] == f"Basic {basic}" and exchange.body["code"] == "code-T1"
    await app.adapter.send_digest(digest("T1"))
    assert bearer_of_last_post(app.fake) == f"Bearer {BOT_TOKENS['T1']}"
    await app.adapter.send_digest(digest("T2"))
    assert bearer_of_last_post(app.fake) == f"Bearer {BOT_TOKENS['T2']}"


async def test_commands_are_served_in_installed_workspaces_only(app: Distributed) -> None:
    await app.install("T1")

    async def command(team: str) -> ClientResponse:
        body = urlencode(
            {
                "team_id": team,
                "channel_id": "C1",
                "user_id": "U1",
                "command": "/papers",
                "text": "help",
                "response_url": app.fake.response_url(),
                "trigger_id": "1.2.3",
                "api_app_id": "A1",
            }
        )
        return await app.http.post(
            "/slack/events", data=body, headers={**sign(body), "Content-Type": "application/x-www-form-urlencoded"}
        )

    assert (await command("T1")).status == 200
    assert (await app.fake.response_after(0))["text"].startswith("Commands:")
    assert (await command("T3")).status == 200
    assert "reinstall this app" in (await app.fake.response_after(1))["text"]


@pytest.mark.parametrize(
    "event",
    [
        pytest.param({"type": "app_uninstalled"}, id="app_uninstalled"),
        pytest.param({"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOTT1"]}}, id="tokens_revoked"),
    ],
)
async def test_uninstall_stops_digests_to_that_workspace_only(app: Distributed, event: dict[str, Any]) -> None:
    await app.install("T1")
    await app.install("T2")

    await app.event("T1", event)
    deadline = time.monotonic() + 5
    while "T1" in app.bot_tokens_in_file():  # bolt runs the listener after acknowledging the event
        assert time.monotonic() < deadline, "the installation was never deleted"
        await asyncio.sleep(0.01)

    posts = len(app.fake.posts())
    with pytest.raises(NotInstalledError, match="not installed in Slack workspace T1"):
        await app.adapter.send_digest(digest("T1"))
    assert len(app.fake.posts()) == posts
    await app.adapter.send_digest(digest("T2"))
    assert bearer_of_last_post(app.fake) == f"Bearer {BOT_TOKENS['T2']}"


async def test_forged_reused_or_expired_states_install_nothing(app: Distributed) -> None:
    forged = await app.redirect("code-T1", "made-up-state")
    assert forged.status == 401

    state = await app.start_install()
    wrong_browser = await app.redirect("code-T1", state, cookie="another-browsers-state")
    assert wrong_browser.status == 400

    states = app.installations.states.oauth_states
    async with app.installations.states.engine.begin() as connection:
        await connection.execute(sqlalchemy.update(states).values(expire_at=datetime(2000, 1, 1)))
    expired = await app.redirect("code-T1", state)
    assert expired.status == 401

    await app.install("T2")
    state = await app.start_install()
    assert (await app.redirect("code-T2", state)).status == 200
    assert (await app.redirect("code-T1", state)).status == 401  # a state is good for one install
    assert [call.body["code"] for call in app.fake.calls if call.method == "oauth.v2.access"] == ["code-T2"] * 2
    assert set(app.bot_tokens_in_file()) == {"T2"}


async def test_tokens_and_client_secret_never_reach_the_logs(
    app: Distributed, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        await app.install("T1")
        await app.adapter.send_digest(digest("T1"))
        await app.event("T1", {"type": "app_uninstalled"})
        await asyncio.sleep(0.1)
    assert "chat.postMessage" in caplog.text  # slack_sdk did log its requests
    # aiosqlite's DEBUG trace shows every bound SQL parameter (the CLI's log filter masks token shapes there).
    logged = "\n".join(record.getMessage() for record in caplog.records if record.name != "aiosqlite")
    for secret in (*BOT_TOKENS.values(), CLIENT_SECRET, "T1botSECRET"):
        assert secret not in logged


def test_client_credentials_come_from_slacks_env_names(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SLACK_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SLACK_CLIENT_SECRET", CLIENT_SECRET)
    config = tmp_path / "config.toml"
    config.write_text("[slack]\nscopes = ['chat:write', 'commands']\n")
    settings = load_settings(config).slack
    assert settings.client_id == CLIENT_ID and settings.client_secret is not None
    assert settings.client_secret.get_secret_value() == CLIENT_SECRET and settings.scopes == ["chat:write", "commands"]
    assert settings.install_path == "/slack/install" and settings.redirect_uri_path == "/slack/oauth_redirect"


async def test_half_configured_oauth_is_one_clear_line(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/t.db"
    with pytest.raises(ConfigError, match="client_secret"):
        await open_installations(SlackSettings(client_id=CLIENT_ID), partial(open_write_engine, url))
    with pytest.raises(ConfigError, match="client_id"):
        await open_installations(SlackSettings(client_secret=CLIENT_SECRET), partial(open_write_engine, url))
    assert await open_installations(SlackSettings(bot_token="xoxb-1"), partial(open_write_engine, url)) is None


async def test_oauth_needs_http_mode(app: Distributed) -> None:
    # No router or reactions: start() refuses before any command could arrive.
    socket_mode = SlackAdapter(oauth_settings(app.fake), None, None, installations=app.installations)  # type: ignore
    with pytest.raises(ConfigError, match="--http"):
        await socket_mode.start()
    await app.adapter.start()  # its routes are on the HTTP app: nothing to connect
