"""Render the core's neutral digests and replies as Slack Block Kit messages, within Slack's limits.

Every user-visible mrkdwn string is escaped (`&`, `<`, `>`), so paper text can never ping `<!channel>` or forge a link;
over-long text is shortened at a word boundary with "…" rather than cut mid-word.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from adapters.slack.buttons import offer_blocks, paper_buttons
from bot.models import DigestItem, DigestLayout, DigestMessage, Twin
from bot.selection.reasons import MAX_REASON_CHARS

if TYPE_CHECKING:
    from bot.events import Reply

MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
MAX_CONTEXT_CHARS = 2000
MAX_HEADER_CHARS = 150
MAX_HEADLINE_CHARS = 300
MAX_FALLBACK_CHARS = 500
MAX_AUTHORS = 3
MAX_URL_CHARS = 1000
MAX_TWINS = 8  # a context block holds 10 elements: the label, the twins, an "and N more"
MAX_LISTED_TITLE = 140  # a title in a thread parent's numbered list
FENCE = "```"
ELLIPSIS = "…"

SlackMessage = dict[str, Any]


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn parses as control sequences."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fit(text: str, limit: int) -> str:
    """Escape `text` and keep it within `limit` characters, cutting at a word boundary and marking the cut."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    kept: list[str] = []
    used = 0
    for word in text.split():
        piece = escape(word)
        cost = len(piece) + (1 if kept else 0)
        if used + cost > limit - len(ELLIPSIS) - 1:
            break
        kept.append(piece)
        used += cost
    if not kept:  # one giant token: cut by characters, never inside an escape entity
        return _escaped_prefix(text.split()[0], limit - len(ELLIPSIS)) + ELLIPSIS
    return " ".join(kept) + " " + ELLIPSIS


def plain(text: str, limit: int) -> str:
    """Shorten plain_text (not parsed by Slack, so unescaped) at a word boundary."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    head, space, _ = cut.rpartition(" ")
    return (head if space and head else cut).rstrip() + ELLIPSIS


def render_digest(message: DigestMessage) -> list[SlackMessage]:
    """One Slack message per paper, in digest order, so a reaction or a button on a message maps to exactly one paper.

    Each paper carries its buttons (Save, More like this, a menu, 👍 / 👎). The header rides on the first message (not
    on the rest of a digest resumed after part went out) and the date footer on the last; an empty digest is one
    message.
    """
    if message.layout is DigestLayout.THREAD:
        return _thread(message)
    header = {"type": "header", "text": {"type": "plain_text", "text": plain(message.header, MAX_HEADER_CHARS)}}
    footer_text = f"{message.created:%A %d %B %Y} · {len(message.items)} papers"
    footer = [{"type": "divider"}, context_block(footer_text)]
    if not message.items:
        return [{"text": fit(message.header, MAX_FALLBACK_CHARS), "blocks": [header, *footer]}]
    rendered = []
    last = len(message.items) - 1
    for index, item in enumerate(message.items):
        blocks = [header] if index == 0 and not message.continued else []
        blocks += item_blocks(item) + paper_buttons(item.paper_id, item.pdf_url)
        if index == last:
            blocks += footer
        rendered.append({"text": _fallback(item), "blocks": blocks})
    return rendered


def digest_papers(message: DigestMessage) -> list[tuple[str, ...]]:
    """The papers each of `render_digest`'s messages carries, in order (a thread's parent carries none)."""
    papers: list[tuple[str, ...]] = [(item.paper_id,) for item in message.items]
    if message.layout is DigestLayout.THREAD:
        return papers if message.thread_id is not None else [(), *papers]
    return papers or [()]


def _thread(message: DigestMessage) -> list[SlackMessage]:
    """THREAD layout: a compact parent (the header, each paper's title numbered, the date), unless it is posted
    already, then one reply per paper with its TL;DR and buttons, posted into the parent's thread."""
    replies = [
        {"text": _fallback(item), "blocks": item_blocks(item) + paper_buttons(item.paper_id, item.pdf_url)}
        for item in message.items
    ]
    if message.thread_id is not None:
        return replies
    title = message.header if not message.continued else f"{message.header} (continued)"
    header = {"type": "header", "text": {"type": "plain_text", "text": plain(title, MAX_HEADER_CHARS)}}
    listed: list[str] = []
    blocks: list[dict[str, Any]] = [header]
    for number, item in enumerate(message.items, 1):
        line = f"{number}. {fit(item.headline, MAX_LISTED_TITLE)}"
        if sum(len(text) + 1 for text in listed) + len(line) > MAX_SECTION_CHARS:
            blocks.append(section_block("\n".join(listed)))
            listed = []
        listed.append(line)
    if listed:
        blocks.append(section_block("\n".join(listed)))
    footer = f"{message.created:%A %d %B %Y} · {len(message.items)} papers · each in the thread below"
    parent = {"text": fit(message.header, MAX_FALLBACK_CHARS), "blocks": [*blocks, context_block(footer)]}
    return [parent, *replies]


def render_reply(reply: Reply) -> SlackMessage:
    """A command's (or a button's) answer as one message; papers beyond the block budget become an "and N more" line,
    and the button it offers (e.g. "Saved ✓") comes last."""
    blocks: list[dict[str, Any]] = [section_block(fit(reply.text, MAX_SECTION_CHARS))]
    offered = offer_blocks(reply.offer) if reply.offer else []
    # Keep one block for the "more" line, two for the attachment and the offered button's.
    budget = MAX_BLOCKS - len(blocks) - 1 - (2 if reply.attachment else 0) - len(offered)
    shown = 0
    for item in reply.items:
        item_parts = item_blocks(item)
        if len(item_parts) > budget:
            break
        blocks += item_parts
        budget -= len(item_parts)
        shown += 1
    if shown < len(reply.items):
        blocks.append(context_block(f"…and {len(reply.items) - shown} more"))
    if reply.attachment:  # left here only when it could not be sent as a file (no files:write or im:write scope)
        name, content = reply.attachment
        body = fit(content.decode(errors="replace").replace(FENCE, "` ` `"), MAX_SECTION_CHARS - 2 * len(FENCE) - 2)
        blocks += [context_block(name), section_block(f"{FENCE}\n{body}\n{FENCE}")]
    return {"text": fit(reply.text, MAX_FALLBACK_CHARS), "blocks": blocks + offered}


def item_blocks(item: DigestItem) -> list[dict[str, Any]]:
    """A paper: a section with its linked headline and TL;DR, then a context line naming source, authors and id, and
    one listing its twins (the same work summarized again) when it has any."""
    headline = fit(item.headline, MAX_HEADLINE_CHARS)
    url = safe_url(item.url)
    title = f"*<{url}|{headline}>*" if url else f"*{headline}*"
    tldr = fit(item.tldr, MAX_SECTION_CHARS - len(title) - 1)
    meta = context_block(_meta(item), escaped=True)
    if item.reason:
        meta["elements"].append(_mrkdwn(f"_Why: {fit(item.reason, MAX_REASON_CHARS)}_"))
    blocks = [section_block(f"{title}\n{tldr}" if tldr else title), meta]
    if item.twins:
        blocks.append(_twins(item.twins))
    return blocks


def _twins(twins: tuple[Twin, ...]) -> dict[str, Any]:
    """One context block: "Also summarized:" and each twin linked, with its id (what `show` takes) and its author."""
    elements = [_mrkdwn("Also summarized:")]
    for twin in twins[:MAX_TWINS]:
        url, headline = safe_url(twin.url), fit(twin.headline, MAX_HEADLINE_CHARS)
        parts = [f"<{url}|{headline}>" if url else headline, f"id {fit(twin.paper_id, 200)}"]
        parts += [fit(twin.credit, 300)] if twin.credit else []
        elements.append(_mrkdwn(" · ".join(parts)))
    if len(twins) > MAX_TWINS:
        elements.append(_mrkdwn(f"…and {len(twins) - MAX_TWINS} more"))
    return {"type": "context", "elements": elements}


def _meta(item: DigestItem) -> str:
    fields = [fit(item.source, 100)]
    if item.authors:
        authors = ", ".join(item.authors[:MAX_AUTHORS]) + (" et al." if len(item.authors) > MAX_AUTHORS else "")
        fields.append(fit(authors, 500))
    fields.append(f"id {fit(item.paper_id, 200)}")
    if item.credit:
        fields.append(fit(item.credit, 300))
    return " · ".join(fields)


def _fallback(item: DigestItem) -> str:
    """The notification text: headline and the start of the TL;DR."""
    return fit(f"{item.headline} — {item.tldr}", MAX_FALLBACK_CHARS)


def section_block(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def context_block(text: str, *, escaped: bool = False) -> dict[str, Any]:
    return {"type": "context", "elements": [_mrkdwn(text if escaped else fit(text, MAX_CONTEXT_CHARS))]}


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def safe_url(url: str | None) -> str | None:
    """Only http(s) links, with the characters that would end Slack's `<url|label>` syntax percent-encoded."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or not parts.netloc or any(c.isspace() for c in url):
        return None
    safe = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    return safe if len(safe) <= MAX_URL_CHARS else None


def _escaped_prefix(word: str, limit: int) -> str:
    out: list[str] = []
    used = 0
    for char in word:
        piece = escape(char)
        if used + len(piece) > limit:
            break
        out.append(piece)
        used += len(piece)
    return "".join(out)
