"""Payload translation at the edge: Slack dicts in, the core's Incoming* out (or None for what the bot ignores)."""

from __future__ import annotations

from adapters.slack.translate import command_from_payload, reaction_from_event
from bot.events import IncomingCommand, IncomingReaction

COMMAND = {"team_id": "T1", "channel_id": "C1", "user_id": "U1", "text": "search graph nets", "command": "/papers"}
EVENT = {
    "type": "reaction_added",
    "user": "U2",
    "reaction": "bookmark",
    "item": {"type": "message", "channel": "C1", "ts": "1700000000.000100"},
    "event_ts": "1700000001.0",
}


def test_command_becomes_incoming_command() -> None:
    assert command_from_payload(COMMAND, admins=[]) == IncomingCommand("slack", "T1", "C1", "U1", "search graph nets")


def test_only_listed_admins_manage_when_admins_are_set() -> None:
    assert command_from_payload(COMMAND, admins=["U1"]).can_manage  # type: ignore[union-attr]
    assert not command_from_payload(COMMAND, admins=["U9"]).can_manage  # type: ignore[union-attr]


def test_org_wide_command_falls_back_to_enterprise_and_missing_text_is_empty() -> None:
    payload = {**COMMAND, "team_id": None, "enterprise_id": "E1"}
    del payload["text"]
    assert command_from_payload(payload, admins=[]) == IncomingCommand("slack", "E1", "C1", "U1", "")


def test_command_without_user_is_ignored() -> None:
    assert command_from_payload({**COMMAND, "user_id": ""}, admins=[]) is None


def test_reactions_become_incoming_reactions() -> None:
    added = reaction_from_event(EVENT, {"team_id": "T1"})
    assert added == IncomingReaction("slack", "T1", "C1", "1700000000.000100", "U2", "bookmark", added=True)
    removed = reaction_from_event({**EVENT, "type": "reaction_removed"}, {"team_id": "T1"})
    assert removed is not None and not removed.added


def test_reactions_on_files_and_malformed_events_are_ignored() -> None:
    on_file = {**EVENT, "item": {"type": "file", "file": "F1"}}
    assert reaction_from_event(on_file, {"team_id": "T1"}) is None
    assert reaction_from_event({**EVENT, "item": "nonsense"}, {"team_id": "T1"}) is None
    assert reaction_from_event({**EVENT, "type": "message"}, {"team_id": "T1"}) is None
    assert reaction_from_event(EVENT, {}) is None
