"""Persistent buttons on Discord digest papers: discord.py DynamicItems whose custom_id carries the action and the
paper ("pb:save:2401.00001", at most Discord's 100 characters).

The custom_id is all a press needs, so the adapter registers the item class once at start-up (`add_dynamic_items`)
and a press on a message posted before a restart, or by another worker, is answered like any other: discord.py matches
the custom_id against the template and builds the button again from it.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import discord

from bot.events import Offer, PaperAction

MAX_CUSTOM_ID = 100  # Discord's limit
MAX_LABEL = 80
PREFIX = "pb"
BUTTONS = (PaperAction.SAVE, PaperAction.UNSAVE, PaperAction.MORE, PaperAction.UPVOTE, PaperAction.DOWNVOTE)
TEMPLATE = re.compile(rf"{PREFIX}:(?P<action>{'|'.join(a.value for a in BUTTONS)}):(?P<paper>.+)", re.DOTALL)

PressHandler = Callable[[discord.Interaction, PaperAction, str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class _Look:
    label: str
    style: discord.ButtonStyle


_LOOKS = {
    PaperAction.SAVE: _Look("🔖 Save", discord.ButtonStyle.primary),
    PaperAction.UNSAVE: _Look("Saved ✓", discord.ButtonStyle.success),
    PaperAction.MORE: _Look("More like this", discord.ButtonStyle.secondary),
    PaperAction.UPVOTE: _Look("👍", discord.ButtonStyle.secondary),
    PaperAction.DOWNVOTE: _Look("👎", discord.ButtonStyle.secondary),
}
DIGEST_BUTTONS = (PaperAction.SAVE, PaperAction.MORE, PaperAction.UPVOTE, PaperAction.DOWNVOTE)  # one row


def custom_id(action: PaperAction, paper_id: str) -> str | None:
    """The button's custom_id, or None when the paper id is empty or too long for one (that paper goes without
    buttons)."""
    found = f"{PREFIX}:{action.value}:{paper_id}"
    return found if paper_id and len(found) <= MAX_CUSTOM_ID else None


class PaperClient(discord.AutoShardedClient):
    """The bot's client, knowing whom to hand a paper button's press (the adapter that owns it)."""

    answer_press: PressHandler | None = None


class PaperButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TEMPLATE):
    """One paper button; rebuilt from its custom_id whenever it is pressed."""

    def __init__(self, action: PaperAction, paper_id: str, label: str | None = None) -> None:
        look = _LOOKS[action]
        found = custom_id(action, paper_id)
        if found is None:
            raise ValueError("paper id too long for a custom_id")
        text = (label or look.label)[:MAX_LABEL]
        super().__init__(discord.ui.Button(label=text, style=look.style, custom_id=found))
        self.action = action
        self.paper_id = paper_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PaperButton:
        return cls(PaperAction(match["action"]), match["paper"], getattr(item, "label", None))

    async def callback(self, interaction: discord.Interaction) -> None:
        answer = getattr(interaction.client, "answer_press", None)
        if answer is not None:
            await answer(interaction, self.action, self.paper_id)


def paper_view(paper_id: str, actions: Sequence[PaperAction] = DIGEST_BUTTONS) -> discord.ui.View | None:
    """The buttons under a digest paper (one row), with no timeout: they work as long as the message exists."""
    if any(custom_id(action, paper_id) is None for action in actions):
        return None
    view = discord.ui.View(timeout=None)
    for action in actions:
        view.add_item(PaperButton(action, paper_id))
    return view


def offer_view(offer: Offer) -> discord.ui.View | None:
    """The one button an answer offers (e.g. "Saved ✓", which unsaves)."""
    if offer.action not in BUTTONS or custom_id(offer.action, offer.paper_id) is None:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(PaperButton(offer.action, offer.paper_id, offer.label))
    return view
