"""HTTP mode: bolt verifies Slack's request signature; forged or replayed requests change nothing."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest

from adapters.http_server import http_app
from bot.errors import ConfigError
from bot.models import ChannelRef
from tests.adapters.slack.conftest import World, build_adapter, sign, slack_settings

FORM = {
    "team_id": "T1",
    "channel_id": "C1",
    "user_id": "U1",
    "command": "/papers",
    "text": "subscribe graphs",
    "response_url": "",
    "trigger_id": "1.2.3",
}


def form(world: World) -> str:
    return urlencode({**FORM, "response_url": world.fake.response_url()})


async def test_signed_command_is_acked_and_answered(world: World) -> None:
    answer = await world.command("help")
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith("Commands:")
    assert [call.method for call in world.fake.calls] == ["auth.test"]


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda body: sign(body, secret="not-the-secret"), id="wrong-secret"),
        pytest.param(lambda body: sign(body, timestamp=int(time.time()) - 6 * 60), id="stale"),
        pytest.param(lambda body: sign(body + "&text=pause"), id="tampered-body"),
        pytest.param(lambda body: {}, id="unsigned"),
    ],
)
async def test_badly_signed_requests_get_401_and_change_nothing(world: World, headers) -> None:  # noqa: ANN001
    body = form(world)
    response = await world.http.post(
        "/slack/events", data=body, headers={**headers(body), "Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status == 401
    assert world.fake.calls == [] and world.fake.responses == []
    assert await world.store.channels.get_channel(ChannelRef("slack", "T1", "C1")) is None


def test_http_mode_needs_a_signing_secret(fake, store) -> None:  # noqa: ANN001
    adapter, _ = build_adapter(store, slack_settings(fake, signing_secret=None))
    with pytest.raises(ConfigError, match="signing_secret"):
        http_app([adapter])


def test_adapter_needs_a_bot_token(fake, store) -> None:  # noqa: ANN001
    with pytest.raises(ConfigError, match="bot_token"):
        build_adapter(store, slack_settings(fake, bot_token=None))


async def test_socket_mode_needs_an_app_token(fake, store) -> None:  # noqa: ANN001
    adapter, _ = build_adapter(store, slack_settings(fake))
    with pytest.raises(ConfigError, match="app_token"):
        await adapter.start()
