"""The buttons on a Slack digest paper, and where a press on one finds its paper again.

Each paper's interactive blocks carry the paper id in their `block_id` ("pb:<paper id>"), which Slack sends back with
every press; the `action_id` says which button ("paper.save") and an overflow option's or a feedback button's `value`
which entry. Values stay short because Slack caps an option's value at 75 characters, and a paper id can be longer.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from bot.events import Offer, PaperAction

ACTION_PREFIX = "paper."
MENU = "paper.menu"  # the overflow menu: not interested, BibTeX, open PDF
VOTE = "paper.vote"  # the 👍 / 👎 feedback buttons
PDF = "pdf"  # the overflow's link option: Slack opens it and still sends a press, which is acked and ignored
PAPER_BLOCKS = ("pb", "pb.vote", "pb.note", "pb.offer", "pb.home")  # block_id prefixes that carry a paper id
MAX_BLOCK_ID = 255
MAX_URL = 3000
NOTE_BLOCK = "pb.note"

Block = dict[str, Any]


def action_id(action: PaperAction) -> str:
    return f"{ACTION_PREFIX}{action.value}"


def block_id(prefix: str, paper_id: str) -> str | None:
    """The block id that carries `paper_id`, or None when the id is empty or too long to fit one (no buttons, then)."""
    found = f"{prefix}:{paper_id}"
    return found if paper_id and len(found) <= MAX_BLOCK_ID else None


def paper_of(block: str) -> str | None:
    """The paper id a block id carries, or None for any other block."""
    prefix, colon, paper_id = block.partition(":")
    return paper_id if colon and prefix in PAPER_BLOCKS and paper_id else None


def paper_buttons(paper_id: str, pdf_url: str | None, *, hidden: bool = False) -> list[Block]:
    """Save, More like this and a menu (not interested, BibTeX, open PDF) in one actions block, then 👍 / 👎 as
    Slack's feedback buttons in a context_actions block; nothing for an id too long to carry."""
    actions, votes = block_id("pb", paper_id), block_id("pb.vote", paper_id)
    if actions is None or votes is None:
        return []
    options = [_option("Interested again" if hidden else "Not interested", "unhide" if hidden else "hide")]
    options.append(_option("BibTeX", PaperAction.BIBTEX.value))
    if url := link(pdf_url):
        options.append(_option("Open PDF", PDF) | {"url": url})
    return [
        {
            "type": "actions",
            "block_id": actions,
            "elements": [
                button("Save", action_id(PaperAction.SAVE), style="primary"),
                button("More like this", action_id(PaperAction.MORE)),
                {"type": "overflow", "action_id": MENU, "options": options},
            ],
        },
        {
            "type": "context_actions",
            "block_id": votes,
            "elements": [
                {
                    "type": "feedback_buttons",
                    "action_id": VOTE,
                    "positive_button": _feedback("👍", PaperAction.UPVOTE, "More papers like this here"),
                    "negative_button": _feedback("👎", PaperAction.DOWNVOTE, "Fewer papers like this here"),
                }
            ],
        },
    ]


def offer_blocks(offer: Offer) -> list[Block]:
    """The one button an answer offers (e.g. "Saved ✓", which unsaves)."""
    found = block_id("pb.offer", offer.paper_id)
    if found is None:
        return []
    return [{"type": "actions", "block_id": found, "elements": [button(offer.label, action_id(offer.action))]}]


def with_hidden_mark(blocks: list[Block], paper_id: str, user_id: str | None) -> list[Block]:
    """A digest message's blocks after its paper was marked not interested (`user_id`) or unmarked (None): a line
    saying so, for the whole channel, and the menu's entry turned into its undo."""
    pdf = None
    out: list[Block] = []
    for block in blocks:
        if block.get("block_id") == block_id(NOTE_BLOCK, paper_id):
            continue
        if block.get("block_id") == block_id("pb", paper_id):
            menu: Block = next((e for e in block.get("elements", []) if e.get("action_id") == MENU), {})
            pdf = next((o.get("url") for o in menu.get("options", []) if o.get("value") == PDF), None)
            if user_id is not None and (note := block_id(NOTE_BLOCK, paper_id)):
                who = f"<@{user_id}>" if user_id.isalnum() else "Someone"
                text = f"{who} marked this not interesting: papers like it are left out of this channel's digests."
                out.append({"type": "context", "block_id": note, "elements": [{"type": "mrkdwn", "text": text}]})
            out += paper_buttons(paper_id, pdf, hidden=user_id is not None)[:1]
            continue
        out.append(block)
    return out


def button(text: str, action: str, *, value: str = "", style: str | None = None) -> Block:
    element: Block = {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": action}
    if value:
        element["value"] = value
    if style:
        element["style"] = style
    return element


def link(url: str | None) -> str | None:
    """An http(s) URL a button may open, or None."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    ok = (
        parts.scheme in ("http", "https") and parts.netloc and len(url) <= MAX_URL and not any(c.isspace() for c in url)
    )
    return url if ok else None


def _option(text: str, value: str) -> Block:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def _feedback(text: str, action: PaperAction, label: str) -> Block:
    return {"text": {"type": "plain_text", "text": text}, "value": action.value, "accessibility_label": label}
