"""The Slack app manifest asks for what the adapter uses: the scopes the doctor checks and the install asks for, the
App Home, the events it listens to and interactivity for its buttons."""

from __future__ import annotations

from pathlib import Path

import yaml

from adapters.slack.doctor import NEEDED_SCOPES
from bot.config import SlackSettings

MANIFEST = yaml.safe_load((Path(__file__).parents[3] / "slack-manifest.yaml").read_text(encoding="utf-8"))


def test_the_manifest_asks_for_exactly_the_scopes_the_bot_uses() -> None:
    scopes = MANIFEST["oauth_config"]["scopes"]["bot"]
    assert scopes == SlackSettings().scopes == list(NEEDED_SCOPES)


def test_buttons_and_the_app_home_are_turned_on() -> None:
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True
    assert {"app_home_opened", "reaction_added", "reaction_removed"} <= set(
        MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    )


def test_messages_in_channels_reach_the_bot_for_their_paper_links() -> None:
    events = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    assert {"message.channels", "message.groups"} <= events
    assert {"channels:history", "groups:history"} <= set(MANIFEST["oauth_config"]["scopes"]["bot"])
