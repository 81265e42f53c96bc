"""The fake APIs hold the bot to Slack's and Discord's own limits: at a limit the real client's post goes through, one
past it the real client gets the platform's refusal (Slack: `invalid_blocks`; Discord: HTTP 400, code 50035)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from testing import discord_limits as dl
from testing import slack_limits as sl
from testing.discord_api import FakeDiscord, serve
from testing.slack_api import FakeSlack

TOKEN = "fake-limits-token"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _button(n: int) -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": f"b{n}"}, "action_id": f"a{n}"}


# (what, blocks at Slack's limit, the same one past it, the JSON pointer Slack names)
SLACK_CASES = [
    ("blocks", lambda n: [{"type": "divider"}] * n, sl.MAX_BLOCKS, "/blocks"),
    ("section text", lambda n: [_section("a" * n)], sl.MAX_TEXT, "/blocks/0/text/text"),
    (
        "header",
        lambda n: [{"type": "header", "text": {"type": "plain_text", "text": "h" * n}}],
        sl.MAX_HEADER_TEXT,
        "/blocks/0/text/text",
    ),
    (
        "context elements",
        lambda n: [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * n}],
        sl.MAX_CONTEXT_ELEMENTS,
        "/blocks/0/elements",
    ),
    (
        "actions elements",
        lambda n: [{"type": "actions", "elements": [_button(i) for i in range(n)]}],
        sl.MAX_ACTIONS_ELEMENTS,
        "/blocks/0/elements",
    ),
    (
        "section fields",
        lambda n: [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * n}],
        sl.MAX_SECTION_FIELDS,
        "/blocks/0/fields",
    ),
]


@pytest.mark.parametrize(("what", "blocks", "limit", "pointer"), SLACK_CASES, ids=[case[0] for case in SLACK_CASES])
async def test_slack_posts_at_the_limit_and_refuses_one_past_it(fake_slack: FakeSlack, what, blocks, limit, pointer):
    client = AsyncWebClient(token="xoxb-test", base_url=fake_slack.api_url)
    await client.chat_postMessage(channel="C1", text="fallback", blocks=blocks(limit))
    with pytest.raises(SlackApiError) as refused:
        await client.chat_postMessage(channel="C1", text="fallback", blocks=blocks(limit + 1))
    assert refused.value.response["error"] == "invalid_blocks"
    assert any(error.endswith(f"[json-pointer:{pointer}]") for error in refused.value.response["errors"])
    assert len(fake_slack.posts("C1")) == 1  # only the one within limits is in the channel


async def test_slack_refuses_an_empty_text_object(fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(token="xoxb-test", base_url=fake_slack.api_url)
    with pytest.raises(SlackApiError, match="invalid_blocks"):
        await client.chat_postEphemeral(channel="C1", user="U1", text="fallback", blocks=[_section("")])


async def test_slack_response_url_refuses_with_a_bare_400_and_shows_nothing(fake_slack: FakeSlack) -> None:
    webhook = AsyncWebhookClient(fake_slack.response_url())
    ok = await webhook.send(text="fits", blocks=[_section("a" * sl.MAX_TEXT)])
    refused = await webhook.send(text="too long", blocks=[_section("a" * (sl.MAX_TEXT + 1))])
    assert (ok.status_code, refused.status_code, refused.body) == (200, 400, "invalid_blocks")
    assert [response["text"] for response in fake_slack.responses] == ["fits"]
    with pytest.raises(AssertionError, match="Slack refused a response_url post"):
        await fake_slack.response_after(1, timeout=1)


def _embed(**fields: Any) -> dict[str, Any]:
    return {"title": "t", "description": "d", **fields}


def _row(buttons: int) -> dict[str, Any]:
    return {
        "type": 1,
        "components": [{"type": 2, "style": 1, "label": "b", "custom_id": f"c{n}"} for n in range(buttons)],
    }


# (what, a message body at Discord's limit n or one past it, the limit, the field path discord.py names)
DISCORD_CASES = [
    ("content", lambda n: {"content": "c" * n}, dl.MAX_CONTENT, "content"),
    ("nonce", lambda n: {"content": "c", "nonce": "n" * n}, dl.MAX_NONCE, "nonce"),
    ("embeds", lambda n: {"embeds": [_embed()] * n}, dl.MAX_EMBEDS, "embeds"),
    ("title", lambda n: {"embeds": [_embed(title="t" * n)]}, dl.MAX_TITLE, "embeds.0.title"),
    ("description", lambda n: {"embeds": [_embed(description="d" * n)]}, dl.MAX_DESCRIPTION, "embeds.0.description"),
    (
        "fields",
        lambda n: {"embeds": [_embed(fields=[{"name": "n", "value": "v"}] * n)]},
        dl.MAX_FIELDS,
        "embeds.0.fields",
    ),
    (
        "field value",
        lambda n: {"embeds": [_embed(fields=[{"name": "n", "value": "v" * n}])]},
        dl.MAX_FIELD_VALUE,
        "embeds.0.fields.0.value",
    ),
    ("footer", lambda n: {"embeds": [_embed(footer={"text": "f" * n})]}, dl.MAX_FOOTER, "embeds.0.footer.text"),
    (
        "total",
        lambda n: {"embeds": [_embed(title="", description="d" * half) for half in (n // 2, n - n // 2)]},
        dl.MAX_EMBEDS_TOTAL,
        "embeds",
    ),
    ("action rows", lambda n: {"content": "c", "components": [_row(1)] * n}, dl.MAX_ACTION_ROWS, "components"),
    (
        "buttons in a row",
        lambda n: {"content": "c", "components": [_row(n)]},
        dl.MAX_ROW_COMPONENTS,
        "components.0.components",
    ),
]


@pytest.fixture
async def discord_http(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[FakeDiscord, discord.http.HTTPClient]]:
    """discord.py's own HTTP client, logged in to a fresh fake."""
    fake = FakeDiscord(token=TOKEN)
    runner, url = await serve(fake)
    monkeypatch.setattr(discord.http.Route, "BASE", url)
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    await http.static_login(TOKEN)
    yield fake, http
    await http.close()
    await runner.cleanup()


async def _post(http: discord.http.HTTPClient, body: dict[str, Any]) -> Any:
    route = discord.http.Route("POST", "/channels/{channel_id}/messages", channel_id=400000000000000001)
    return await http.request(route, json=body)


@pytest.mark.parametrize(("what", "body", "limit", "path"), DISCORD_CASES, ids=[case[0] for case in DISCORD_CASES])
async def test_discord_posts_at_the_limit_and_refuses_one_past_it(discord_http, what, body, limit, path) -> None:
    fake, http = discord_http
    await _post(http, body(limit))
    with pytest.raises(discord.HTTPException) as refused:
        await _post(http, body(limit + 1))
    assert (refused.value.status, refused.value.code) == (400, dl.INVALID_FORM_BODY)
    assert f"In {path}: " in refused.value.text
    assert len(fake.messages) == 1 and len(fake.refused) == 1


async def test_discord_refuses_an_empty_message_and_a_field_without_a_value(discord_http) -> None:
    fake, http = discord_http
    with pytest.raises(discord.HTTPException) as empty:
        await _post(http, {"content": ""})
    with pytest.raises(discord.HTTPException) as blank_field:
        await _post(http, {"embeds": [_embed(fields=[{"name": "n", "value": ""}])]})
    assert (empty.value.code, blank_field.value.code) == (dl.EMPTY_MESSAGE, dl.INVALID_FORM_BODY)
    assert fake.messages == []


async def test_discord_reads_a_message_with_a_file_as_discord_does(discord_http) -> None:
    fake, http = discord_http
    attachment = discord.File(io.BytesIO(b"x" * 10), "list.md")
    params = discord.http.handle_message_parameters(content="Your list", file=attachment)
    await http.send_message(400000000000000001, params=params)
    [(_, body)] = fake.messages
    assert body["content"] == "Your list" and body["files"] == [{"filename": "list.md", "size": 10}]
