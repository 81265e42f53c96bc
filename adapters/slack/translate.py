"""Translate raw Slack payloads into the core's IncomingCommand / IncomingReaction / IncomingAction, once, at the edge.

Nothing past this module sees a Slack dict; malformed or irrelevant payloads become None rather than exceptions.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from typing import Any

from adapters.slack.buttons import ACTION_PREFIX, MENU, VOTE, paper_of
from bot.events import IncomingAction, IncomingCommand, IncomingMessage, IncomingReaction, PaperAction
from bot.models import Reader

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


def message_from_event(event: Mapping[str, Any], body: Mapping[str, Any]) -> IncomingMessage | None:
    """A person's new channel message (`message` event); edits, deletions, joins, bots' and the app's own messages
    (any `subtype`, or a `bot_id`) and direct messages are None."""
    if event.get("type") != "message" or event.get("subtype") or event.get("bot_id"):
        return None
    if event.get("channel_type") not in {None, "channel", "group"}:
        return None
    workspace = workspace_of(body)
    channel_id, user_id, ts, text = event.get("channel"), event.get("user"), event.get("ts"), event.get("text")
    if not all(isinstance(value, str) and value for value in (workspace, channel_id, user_id, ts, text)):
        return None
    return _message(workspace, channel_id, user_id, ts, str(text), event.get("thread_ts"))


def seed_file_from_event(
    event: Mapping[str, Any], body: Mapping[str, Any], admins: Collection[str]
) -> tuple[IncomingCommand, str] | None:
    """A BibTeX file shared in a channel with the message "seed" (a `file_share` message): `/papers seed` for that
    user, and the file's private download URL; any other file share is None."""
    if event.get("subtype") != "file_share" or str(event.get("text") or "").strip().lower() != "seed":
        return None
    files = event.get("files")
    shared = files[0] if isinstance(files, list) and len(files) == 1 and isinstance(files[0], Mapping) else {}
    url = shared.get("url_private_download") or shared.get("url_private")
    if not (str(shared.get("name") or "").lower().endswith(".bib") and isinstance(url, str) and url):
        return None
    command = command_from_payload(
        {
            "team_id": workspace_of(body),
            "channel_id": event.get("channel"),
            "user_id": event.get("user"),
            "text": "seed",
        },
        admins,
    )
    return (command, url) if command else None


def shared_links_from_event(event: Mapping[str, Any], body: Mapping[str, Any]) -> IncomingMessage | None:
    """A `link_shared` event (links on the app's unfurl domains in a person's message) as that message, its text the
    links; links shared while composing (no message yet) are None."""
    workspace = workspace_of(body)
    channel_id, user_id, ts = event.get("channel"), event.get("user"), event.get("message_ts")
    links = event.get("links")
    urls = [str(link["url"]) for link in links if isinstance(link, Mapping) and link.get("url")] if links else []
    if event.get("source") == "composer" or not urls:
        return None
    if not all(isinstance(value, str) and value for value in (workspace, channel_id, user_id, ts)):
        return None
    return _message(workspace, channel_id, user_id, ts, " ".join(urls), event.get("thread_ts"))


def _message(workspace: Any, channel_id: Any, user_id: Any, ts: Any, text: str, thread: Any) -> IncomingMessage:
    return IncomingMessage(
        platform=PLATFORM,
        workspace=str(workspace),
        channel_id=str(channel_id),
        user_id=str(user_id),
        message_id=str(ts),
        text=text,
        thread_id=str(thread) if isinstance(thread, str) and thread else None,
    )


def action_from_payload(body: Mapping[str, Any], action: Mapping[str, Any]) -> IncomingAction | None:
    """A press on a paper's button (a `block_actions` payload and the one action in it); None for the PDF link (Slack
    opens it; nothing is left to do) and for anything malformed.

    The paper rides in the block id. The channel's workspace is the payload's team; the presser's own may differ in a
    channel shared between workspaces (`user.team_id`), and their reading list is the one in their own workspace.
    """
    paper_id = paper_of(str(action.get("block_id") or ""))
    kind = _paper_action(action)
    workspace = _team_of(body)
    user = body.get("user")
    user_id = user.get("id") if isinstance(user, Mapping) else None
    if not (paper_id and kind and workspace and isinstance(user_id, str) and user_id):
        return None
    container = body.get("container")
    if not isinstance(container, Mapping):
        container = {}
    channel_id = message_id = None
    if container.get("type") == "message":
        channel = body.get("channel")
        channel_id = (channel.get("id") if isinstance(channel, Mapping) else None) or container.get("channel_id")
        if not container.get("is_ephemeral"):  # a digest message; an answer's button is on an ephemeral one
            message_id = container.get("message_ts")
    user_team = user.get("team_id") if isinstance(user, Mapping) else None
    return IncomingAction(
        platform=PLATFORM,
        workspace=workspace,
        user_id=user_id,
        action=kind,
        paper_id=paper_id,
        channel_id=str(channel_id) if channel_id else None,
        message_id=str(message_id) if message_id else None,
        # A workspace id starts with T; an Enterprise Grid user's team_id names the org (E...), not a workspace.
        user_workspace=user_team if isinstance(user_team, str) and user_team.startswith("T") else None,
    )


def home_reader(body: Mapping[str, Any], user_id: Any = None) -> Reader | None:
    """Whose App Home a payload is about: an `app_home_opened` event (`user_id` given) or a press in the tab."""
    if user_id is None:
        user = body.get("user")
        user_id = user.get("id") if isinstance(user, Mapping) else None
    workspace = _team_of(body)
    if not (workspace and isinstance(user_id, str) and user_id):
        return None
    return Reader(PLATFORM, workspace, user_id)


def _team_of(body: Mapping[str, Any]) -> str | None:
    """The workspace of an interaction (`team.id`) or an event (`team_id`); an org-wide one without a team: the org."""
    team = body.get("team")
    if isinstance(team, Mapping) and team.get("id"):
        return str(team["id"])
    enterprise = body.get("enterprise")
    if isinstance(enterprise, Mapping) and enterprise.get("id"):
        return str(enterprise["id"])
    return workspace_of(body)


def _paper_action(action: Mapping[str, Any]) -> PaperAction | None:
    """Which paper action a press asks for: the button's own, the chosen menu entry, or the feedback button's."""
    name = str(action.get("action_id") or "")
    value: Any = None
    if name == MENU:
        option = action.get("selected_option")
        value = option.get("value") if isinstance(option, Mapping) else None
    elif name == VOTE:
        value = action.get("value")
    elif name.startswith(ACTION_PREFIX):
        value = name.removeprefix(ACTION_PREFIX)
    try:
        return PaperAction(str(value))
    except ValueError:
        return None
