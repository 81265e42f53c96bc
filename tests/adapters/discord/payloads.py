"""Gateway payloads as Discord sends them (INTERACTION_CREATE, MESSAGE_REACTION_ADD/REMOVE), for the tests."""

from __future__ import annotations

from typing import Any

import discord

from testing.discord_api import APP_ID, snowflake, user_payload

GUILD = 300000000000000001
OTHER_GUILD = 300000000000000002
CHANNEL = 400000000000000001
USER = 500000000000000001
MANAGE_CHANNELS = 1 << 4
SEND_MESSAGES = 1 << 11


def interaction_payload(
    subcommand: str,
    options: dict[str, Any] | None = None,
    *,
    permissions: int = MANAGE_CHANNELS | SEND_MESSAGES,
    guild_id: int | None = GUILD,
    user_id: int = USER,
    roles: tuple[str, ...] = (),
    focused: str | None = None,
) -> dict[str, Any]:
    """An application command (or, with `focused`, autocomplete) interaction for `/papers <subcommand>`."""
    sub_options = [
        {"name": name, "type": 4 if isinstance(value, int) else 3, "value": value}
        | ({"focused": True} if name == focused else {})
        for name, value in (options or {}).items()
    ]
    payload: dict[str, Any] = {
        "id": snowflake(),
        "application_id": str(APP_ID),
        "type": 4 if focused else 2,
        "token": "interaction-token",
        "version": 1,
        "channel_id": str(CHANNEL),
        "locale": "en-US",
        "app_permissions": str(SEND_MESSAGES),
        "entitlements": [],
        "attachment_size_limit": 8388608,
        "context": 0 if guild_id else 1,
        "authorizing_integration_owners": {"0": str(guild_id)} if guild_id else {"1": str(user_id)},
        "channel": {
            "id": str(CHANNEL),
            "type": 0,
            "name": "papers",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            **({"guild_id": str(guild_id)} if guild_id else {}),
        },
        "data": {
            "id": snowflake(),
            "name": "papers",
            "type": 1,
            "options": [{"name": subcommand, "type": 1, "options": sub_options}],
        },
    }
    if guild_id is None:
        payload["user"] = user_payload(user_id)
    else:
        payload |= {"guild_id": str(guild_id), "guild_locale": "en-US"}
        payload["member"] = {
            "user": user_payload(user_id),
            "roles": list(roles),
            "deaf": False,
            "mute": False,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "flags": 0,
            "permissions": str(permissions),
        }
    return payload


def reaction_event(
    message_id: str,
    emoji: str = "🔖",
    *,
    added: bool = True,
    guild_id: int | None = GUILD,
    user_id: int = USER,
    channel_id: int = CHANNEL,
) -> discord.RawReactionActionEvent:
    """A MESSAGE_REACTION_ADD/REMOVE dispatch, parsed the way discord.py's gateway parser does."""
    data: dict[str, Any] = {
        "user_id": str(user_id),
        "channel_id": str(channel_id),
        "message_id": message_id,
        "emoji": {"id": None, "name": emoji},
        "burst": False,
        "type": 0,
    }
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    if added:
        data |= {"message_author_id": "900000000000000001", "burst_colors": []}
    event_type = "REACTION_ADD" if added else "REACTION_REMOVE"
    return discord.RawReactionActionEvent(data, discord.PartialEmoji.from_dict(data["emoji"]), event_type)
