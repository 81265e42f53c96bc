"""Translate raw Slack payloads into the core's IncomingCommand / IncomingReaction, once, at the edge.

Nothing past this module sees a Slack dict; malformed or irrelevant payloads become None rather than exceptions.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from typing import Any

from bot.events import IncomingCommand, IncomingReaction

log = logging.getLogger(__name__)

PLATFORM = "slack"
_REACTION_EVENTS = {"reaction_added": True, "reaction_removed": False}


def workspace_of(payload: Mapping[str, Any]) -> str | None:
    """The workspace a payload belongs to: the team, or the enterprise for org-wide payloads without one."""
    team = payload.get("team_id") or payload.get("enterprise_id")
    return str(team) if team else None


def command_from_payload(payload: Mapping[str, Any], admins: Collection[str]) -> IncomingCommand | None:
    """A slash command; `can_manage` when the user is a configured admin or no admins are configured."""
    workspace = workspace_of(payload)
    channel_id, user_id = payload.get("channel_id"), payload.get("user_id")
    if not (workspace and isinstance(channel_id, str) and channel_id and isinstance(user_id, str) and user_id):
        log.warning("slash command without team, channel or user ignored")
        return None
    text = payload.get("text")
    return IncomingCommand(
        platform=PLATFORM,
        workspace=workspace,
        channel_id=channel_id,
        user_id=user_id,
        text=text if isinstance(text, str) else "",
        can_manage=not admins or user_id in admins,
    )


def reaction_from_event(event: Mapping[str, Any], body: Mapping[str, Any]) -> IncomingReaction | None:
    """A `reaction_added` / `reaction_removed` on a message; reactions on files and the like are ignored."""
    item = event.get("item")
    kind = event.get("type")
    if not isinstance(item, Mapping) or item.get("type") != "message" or kind not in _REACTION_EVENTS:
        return None
    workspace = workspace_of(body)
    channel_id, message_id = item.get("channel"), item.get("ts")
    user_id, emoji = event.get("user"), event.get("reaction")
    fields = (workspace, channel_id, message_id, user_id, emoji)
    if not all(isinstance(value, str) and value for value in fields):
        return None
    return IncomingReaction(
        platform=PLATFORM,
        workspace=str(workspace),
        channel_id=str(channel_id),
        message_id=str(message_id),
        user_id=str(user_id),
        emoji=str(emoji),
        added=_REACTION_EVENTS[kind],
    )
