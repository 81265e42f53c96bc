"""The App Home tab as Block Kit: the user's reading list a page at a time (each paper with *Unsave* and its link),
export buttons, the channels they share with the bot with each one's schedule and topics, and a short how-to.

A home view holds up to 100 blocks; this one stays near half of that whatever the list (10 papers a page, 20 channels).
"""

from __future__ import annotations

import json
from typing import Any

from adapters.slack.buttons import action_id, block_id, button
from adapters.slack.render import MAX_HEADLINE_CHARS, context_block, fit, plain, safe_url, section_block
from bot.chat.export import FORMATS
from bot.chat.home import HomeView, SavedEntry
from bot.events import PaperAction

PAGE = "home.page"  # the pager buttons' prefix (.newer, .older; action ids are unique within a block); value: the page
EXPORT = "home.export"  # the export buttons' prefix (.bibtex, .markdown); value: the format
MAX_TOPICS_CHARS = 300
_FORMAT_LABELS = {"bibtex": "Export BibTeX", "markdown": "Export Markdown"}

Block = dict[str, Any]


def render_home(
    view: HomeView, *, command: str, save_emoji: str, notice: str | None = None, channels_error: str | None = None
) -> dict[str, Any]:
    """The home tab for `view`; `notice` (one line, e.g. why a press failed) goes on top."""
    blocks: list[Block] = [context_block(notice)] if notice else []
    blocks.append(_header("Your reading list"))
    if not view.saved:
        blocks.append(
            section_block(
                f"Nothing saved yet. Press *Save* on a digest paper, react with :{save_emoji}:, "
                f"or type `{command} save <paper-id>`."
            )
        )
    else:
        blocks.append(context_block(f"{view.total} papers, newest first · page {view.page} of {view.pages}"))
        for entry in view.saved:
            blocks += _saved(entry)
        pager = [button("← Newer", f"{PAGE}.newer", value=str(view.page - 1))] if view.page > 1 else []
        pager += [button("Older →", f"{PAGE}.older", value=str(view.page + 1))] if view.page < view.pages else []
        if pager:
            blocks.append({"type": "actions", "block_id": "home.pager", "elements": pager})
        exports = [button(_FORMAT_LABELS.get(fmt, fmt), f"{EXPORT}.{fmt}", value=fmt) for fmt in FORMATS]
        blocks.append({"type": "actions", "block_id": "home.export", "elements": exports})
        blocks.append(context_block("An export arrives as a file in your direct messages with the app."))
    blocks += [{"type": "divider"}, _header("Your channels with paperbot")]
    blocks += _channels(view, command, channels_error)
    blocks += [{"type": "divider"}, _header("How it works"), section_block(_how_to(command, save_emoji))]
    return {"type": "home", "blocks": blocks, "private_metadata": json.dumps({"page": view.page})}


def page_of(private_metadata: str | None) -> int:
    """The page a published home showed (1 when it says nothing readable)."""
    try:
        page = json.loads(private_metadata or "{}").get("page", 1)
    except (ValueError, AttributeError):
        return 1
    return page if isinstance(page, int) and page >= 1 else 1


def _saved(entry: SavedEntry) -> list[Block]:
    """A saved paper: its linked title with *Unsave* beside it, then where it is from and when it was saved."""
    item = entry.item
    headline = fit(item.headline, MAX_HEADLINE_CHARS)
    url = safe_url(item.url)
    section = section_block(f"*<{url}|{headline}>*" if url else f"*{headline}*")
    if carrier := block_id("pb.home", item.paper_id):
        section |= {"block_id": carrier, "accessory": button("Unsave", action_id(PaperAction.UNSAVE))}
    meta = f"{fit(item.source, 100)} · id {fit(item.paper_id, 200)} · saved {entry.saved_at:%d %b %Y}"
    return [section, context_block(meta, escaped=True)]


def _channels(view: HomeView, command: str, error: str | None) -> list[Block]:
    if error:
        return [section_block(fit(error, 500))]
    if not view.channels:
        return [section_block("You share no channel with paperbot yet: invite it to one with `/invite @paperbot`.")]
    blocks = []
    for channel in view.channels:
        name = f"<#{channel.channel_id}>" if channel.channel_id.isalnum() else fit(channel.channel_id, 100)
        if channel.schedule is None:
            blocks.append(section_block(f"{name} · no digest yet: `{command} schedule 09:00` there sets one up"))
            continue
        topics = fit(", ".join(channel.topics), MAX_TOPICS_CHARS) if channel.topics else "everything (no topics)"
        blocks.append(section_block(f"{name} · {fit(channel.schedule, 200)} · topics: {topics}"))
    if view.more_channels:
        blocks.append(context_block(f"…and {view.more_channels} more"))
    return blocks


def _how_to(command: str, save_emoji: str) -> str:
    return "\n".join(
        [
            "• Each digest paper has buttons: *Save* it to this list, *More like this*, 👍 / 👎 to steer the "
            "channel's picks, and a menu with *Not interested*, *BibTeX* and *Open PDF*.",
            f"• Reactions work too: :{save_emoji}: saves, :+1: / :-1: vote.",
            f"• `{command} subscribe <topic>` and `{command} schedule 09:00 Europe/Berlin` set a channel's digest; "
            f"`{command} help` lists every command.",
        ]
    )


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": plain(text, 150)}}
