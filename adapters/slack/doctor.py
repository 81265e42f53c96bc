"""What `paperbot doctor` asks Slack: does the bot token work, which scopes it was granted, how the bot connects.

Only `auth.test` is called (it changes nothing). No token, nor any part of one, goes into a check's text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.adapter import api_base_url
from bot.config import SlackSettings
from bot.ops.doctor import Check, skipped

# What each scope is for; adapters/slack calls chat.postMessage, conversations.history (find_posted reads back a
# resumed digest: a missing scope there reads as "channel gone" and pauses the channel), conversations.open and the
# file upload (exports; without them an export is shown inline), users.conversations (the App Home's channels) and
# receives reactions.
NEEDED_SCOPES: Mapping[str, str] = {
    "chat:write": "post digests",
    "commands": "/papers",
    "reactions:read": "saves and votes by reaction",
    "channels:history": "resume a digest in a public channel",
    "groups:history": "resume a digest in a private channel",
    "im:write": "send an exported reading list in a direct message",
    "files:write": "send an exported reading list as a file",
    "channels:read": "list a user's public channels in the App Home",
    "groups:read": "list a user's private channels in the App Home",
    "files:read": "read a BibTeX file shared with the word seed",
}
REFUSED = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"})
NEW_TOKEN = (
    "create a new bot token at api.slack.com/apps (OAuth & Permissions -> Bot User OAuth Token) and set SLACK_BOT_TOKEN"
)
TOKEN, SCOPES, CONNECTION = "slack token", "slack scopes", "slack connection"


async def slack_checks(settings: SlackSettings, *, timeout_s: float = 10.0) -> list[Check]:
    """The bot token's workspace and bot user, its missing scopes, and Socket Mode / HTTP settings."""
    if settings.bot_token is None:
        if settings.client_id:
            return [_add_to_slack(settings)]
        return [skipped("slack", "not configured (no slack.bot_token)")]
    return [*await _auth(settings.bot_token.get_secret_value(), settings.api_url, timeout_s), _connection(settings)]


async def _auth(token: str, api_url: str | None, timeout_s: float) -> list[Check]:
    """Call auth.test: who the token belongs to, and (from the response header) which scopes it has."""
    base_url = api_base_url(api_url)
    client = AsyncWebClient(token=token, base_url=base_url, timeout=int(timeout_s))
    try:
        async with asyncio.timeout(timeout_s * 2):
            response = await client.auth_test()
    except SlackApiError as exc:
        error = str(exc.response.get("error", "unknown")) if exc.response is not None else "unknown"
        if error in REFUSED:
            failed = Check(TOKEN, False, f"Slack refused the bot token: {error}", NEW_TOKEN)
        else:
            failed = Check(TOKEN, False, f"auth.test failed: {error}", "see api.slack.com/methods/auth.test")
        return [failed, skipped(SCOPES, "skipped: the token does not work")]
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        failed = Check(
            TOKEN,
            False,
            f"cannot reach Slack at {base_url}: {type(exc).__name__}",
            "check the network (and slack.api_url, if set)",
        )
        return [failed, skipped(SCOPES, "skipped: Slack did not answer")]
    data: dict[str, Any] = response.data if isinstance(response.data, dict) else {}
    if not data.get("bot_id"):
        failed = Check(TOKEN, False, "the token is not a bot token (auth.test names no bot)", NEW_TOKEN)
        return [failed, skipped(SCOPES, "skipped: not a bot token")]
    who = f"bot user {data.get('user')} ({data.get('user_id')}) in team {data.get('team')} ({data.get('team_id')})"
    return [Check(TOKEN, True, who), _scopes(response.headers)]


def _scopes(headers: Mapping[str, Any]) -> Check:
    """Compare the granted scopes (Slack's `x-oauth-scopes` response header) with those the bot uses."""
    granted_header = next((str(value) for key, value in headers.items() if key.lower() == "x-oauth-scopes"), None)
    if granted_header is None:
        return skipped(SCOPES, "Slack did not say which scopes the token has")
    granted = {scope.strip() for scope in granted_header.split(",") if scope.strip()}
    missing = [scope for scope in NEEDED_SCOPES if scope not in granted]
    if not missing:
        return Check(SCOPES, True, f"has {', '.join(NEEDED_SCOPES)}")
    detail = "missing " + ", ".join(f"{scope} ({NEEDED_SCOPES[scope]})" for scope in missing)
    fix = (
        f"add {', '.join(missing)} under OAuth & Permissions -> Bot Token Scopes at api.slack.com/apps "
        "(or in slack-manifest.yaml), then reinstall the app"
    )
    return Check(SCOPES, False, detail, fix)


def _connection(settings: SlackSettings) -> Check:
    """Socket Mode needs an app-level token; HTTP mode needs the signing secret."""
    if settings.app_token is not None:
        if settings.app_token.get_secret_value().startswith("xapp-"):
            return Check(CONNECTION, True, "Socket Mode (`paperbot run`): the app-level token has the right shape")
        return Check(
            CONNECTION,
            False,
            "slack.app_token is not an app-level token (those start with xapp-)",
            "create one under Basic Information -> App-Level Tokens (scope connections:write), set SLACK_APP_TOKEN",
        )
    if settings.signing_secret is not None:
        return Check(CONNECTION, True, "HTTP mode (`paperbot run --http`): signing secret set, no app-level token")
    return Check(
        CONNECTION,
        False,
        "neither slack.app_token (Socket Mode) nor slack.signing_secret (HTTP mode) is set",
        "set SLACK_APP_TOKEN for Socket Mode, or SLACK_SIGNING_SECRET and run `paperbot run --http`",
    )


def _add_to_slack(settings: SlackSettings) -> Check:
    """'Add to Slack' mode keeps one token per workspace in the store; it needs the secret and HTTP mode."""
    missing = [
        name
        for name, value in (
            ("slack.client_secret (SLACK_CLIENT_SECRET)", settings.client_secret),
            ("slack.signing_secret (SLACK_SIGNING_SECRET)", settings.signing_secret),
        )
        if value is None
    ]
    if missing:
        return Check(
            "slack",
            False,
            f"'Add to Slack' mode lacks {' and '.join(missing)}",
            "copy them from Basic Information -> App Credentials at api.slack.com/apps",
        )
    return Check("slack", True, "'Add to Slack' mode: each workspace's token is in the store (`paperbot run --http`)")
