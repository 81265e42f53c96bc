"""Turn neutral digests and replies into Discord message payloads that respect every Discord size limit.

Each digest paper is its own message, so a reaction on a message maps to exactly one paper, and its footer ends with a
short digest mark ("arxiv · 2401.00001 · digest 3f9c1a2b") that lets a restarted worker read back what went out.
Text written by others (headlines, TL;DRs, source names) is escaped: no markdown, masked links or mentions survive.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

import discord
from discord.utils import escape_mentions

from adapters.discord.components import offer_view, paper_view
from bot.chat.catalog import CATALOG
from bot.events import Reply
from bot.models import DigestItem, DigestLayout, DigestMessage, Twin
from bot.selection.reasons import MAX_REASON_CHARS

NO_MENTIONS = discord.AllowedMentions.none()
MAX_CONTENT = 2000
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_FOOTER = 256  # Discord allows 2048; kept short so one embed never nears the 6000 total
MAX_AUTHOR = 256
MAX_FIELD_VALUE = 1024
MAX_TWIN_URL = 300  # a longer link is left out of a twin's line rather than crowding out the others
MAX_URL = 2048
MAX_EMBEDS = 10
MAX_EMBEDS_TOTAL = 6000
_ELLIPSIS = "…"
_SEPARATOR = " · "
DIGEST_MARK = "digest "
MARK_LENGTH = 8  # hex digits of the digest id: 32 bits, ample among one channel's recent messages
MAX_LISTED_TITLE = 150  # a title in a thread parent's numbered list
MAX_THREAD_NAME = 100
_INLINE = re.compile(r"([\\*_`~|\[\]<])")  # '<' too, so no channel, role or user mention renders
_LINE_START = re.compile(r"^([ \t]*)([#>-]|\d+(?=\.))", re.MULTILINE)  # headings, quotes, lists
# What a reply keeps as written: its own code spans naming a command (`saved 2`, `quiet notice|silent`), where nothing
# renders (no markup, masked link or mention inside code; '@' is left out all the same), and bare links made only of
# characters that cannot form markup, a masked link or a mention even if Discord read them differently.
_KEPT = re.compile(rf"`(?:{'|'.join(CATALOG.names)})(?: [^`\n@]{{1,160}})?`|https?://[^\s\\`*~|\[\]<>\"'@]+")
_SOURCE_COLOURS = {
    "arxiv": discord.Colour(0xB31B1B),
    "shortscience": discord.Colour(0x2E86C1),
    "openreview": discord.Colour(0x8C1B13),
    "huggingface": discord.Colour(0xFFD21E),
}


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    """One Discord message to send, and the papers it carries (so a reaction or a button on it maps back to them)."""

    content: str | None
    embeds: tuple[discord.Embed, ...] = ()
    paper_ids: tuple[str, ...] = ()
    file: tuple[str, bytes] | None = None  # (file name, content), sent as an attachment
    view: discord.ui.View | None = None  # its buttons

    def files(self) -> list[discord.File]:
        """The attachment as discord.py sends it (a fresh File each time: sending consumes its stream)."""
        return [discord.File(io.BytesIO(self.file[1]), filename=self.file[0])] if self.file else []


def safe_text(text: str, limit: int) -> str:
    """Escape markdown, masked links and mentions, then cut to `limit` characters (never leaving a dangling escape).

    Every formatting character is escaped, not only paired ones: discord.utils.escape_markdown leaves markdown that
    follows a URL or a first masked link live.
    """
    return _cut_escaped(escape_mentions(_LINE_START.sub(r"\1\\\2", _INLINE.sub(r"\\\1", text))), limit)


def reply_text(text: str, limit: int) -> str:
    """A command's answer with everything it echoes inert, as `safe_text` makes it (a topic, a query, an id or a
    headline can hold `[click](https://evil.example)`), except the answer's own code spans and bare links."""
    pieces: list[str] = []
    last = 0
    for kept in _KEPT.finditer(text):
        pieces += [_INLINE.sub(r"\\\1", text[last : kept.start()]), kept.group()]
        last = kept.end()
    pieces.append(_INLINE.sub(r"\\\1", text[last:]))
    return _cut_escaped(escape_mentions(_LINE_START.sub(r"\1\\\2", "".join(pieces))), limit)


def _cut_escaped(escaped: str, limit: int) -> str:
    """Cut escaped text to `limit` characters, never leaving a dangling escape."""
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: limit - 1]
    trailing = len(cut) - len(cut.rstrip("\\"))
    if trailing % 2:
        cut = cut[:-1]
    return cut + _ELLIPSIS


def source_colour(source: str) -> discord.Colour:
    """A stable colour per source, so readers can tell sources apart at a glance."""
    known = _SOURCE_COLOURS.get(source.lower())
    return known or discord.Colour(zlib.crc32(source.encode()) & 0xFFFFFF)


def paper_embed(item: DigestItem, digest_id: str | None = None) -> discord.Embed:
    """One paper: linked headline, TL;DR, authors, and source + id in the footer (the id is what `show` takes).

    In a digest, the footer also ends with the digest's mark (see `footer_ids`); the credit is clipped, never the mark.
    """
    url = item.url if item.url and item.url.startswith(("https://", "http://")) and len(item.url) <= MAX_URL else None
    embed = discord.Embed(
        title=safe_text(item.headline, MAX_TITLE) or "(untitled)",
        description=safe_text(item.tldr, MAX_DESCRIPTION),
        url=url,
        colour=source_colour(item.source),
    )
    if item.authors:
        embed.set_author(name=_clip(", ".join(item.authors), MAX_AUTHOR))
    credit = f"{_SEPARATOR}{item.credit}" if item.credit else ""
    mark = f"{_SEPARATOR}{digest_mark(digest_id)}" if digest_id else ""
    embed.set_footer(text=_clip(f"{item.source}{_SEPARATOR}{item.paper_id}{credit}", MAX_FOOTER - len(mark)) + mark)
    if item.reason:
        embed.add_field(name="Why this paper", value=safe_text(item.reason, MAX_REASON_CHARS), inline=False)
    if item.twins:
        embed.add_field(name="Also summarized", value=twin_lines(item.twins), inline=False)
    return embed


def twin_lines(twins: tuple[Twin, ...]) -> str:
    """One line per twin (linked headline, id, author) as many as fit a field, then "…and N more"."""
    lines: list[str] = []
    for number, twin in enumerate(twins):
        headline = safe_text(twin.headline, 150) or "(untitled)"
        url = twin.url if twin.url and twin.url.startswith(("https://", "http://")) else None
        title = f"[{headline}]({url})" if url and len(url) <= MAX_TWIN_URL and ")" not in url else headline
        parts = [title, safe_text(twin.paper_id, 100)] + ([safe_text(twin.credit, 120)] if twin.credit else [])
        line = _SEPARATOR.join(parts)
        more = f"…and {len(twins) - number} more"
        if len("\n".join([*lines, line])) + len(more) + 1 > MAX_FIELD_VALUE:
            return "\n".join([*lines, more])
        lines.append(line)
    return "\n".join(lines)


def digest_mark(digest_id: str) -> str:
    """The short tag a digest's footers end with: readable enough, and enough to find the digest's messages again."""
    return DIGEST_MARK + digest_id[:MARK_LENGTH]


def footer_ids(footer: str) -> tuple[str, str] | None:
    """(paper id, digest mark) from a digest embed's footer; None for a footer without a mark (replies, others)."""
    parts = footer.split(_SEPARATOR)
    if len(parts) < 3 or not parts[-1].startswith(DIGEST_MARK):
        return None
    return parts[1], parts[-1]


def parent_mark(footer: str) -> str | None:
    """The digest mark of a thread digest's parent ("3 papers in the thread · digest 3f9c1a2b"), else None."""
    parts = footer.split(_SEPARATOR)
    return parts[-1] if len(parts) == 2 and parts[-1].startswith(DIGEST_MARK) else None


def thread_name(message: DigestMessage) -> str:
    """The name of a thread digest's thread: its header and date."""
    return _clip(f"{message.header} · {message.created:%d %b %Y}", MAX_THREAD_NAME)


def render_digest(message: DigestMessage) -> list[RenderedMessage]:
    """The header on the first message (not on the rest of a resumed digest), then one message per paper, each with
    its buttons (Save, More like this, 👍, 👎). THREAD layout: first a parent listing the papers (unless it is out
    already), whose thread the papers then go into."""
    if message.layout is DigestLayout.THREAD:
        return _thread(message)
    header = None if message.continued else safe_text(message.header, MAX_CONTENT)
    if not message.items:
        return [RenderedMessage(header)]
    return [
        RenderedMessage(
            header if number == 0 else None,
            (paper_embed(item, message.digest_id),),
            (item.paper_id,),
            view=paper_view(item.paper_id),
        )
        for number, item in enumerate(message.items)
    ]


def _thread(message: DigestMessage) -> list[RenderedMessage]:
    replies = [
        RenderedMessage(None, (paper_embed(item, message.digest_id),), (item.paper_id,), view=paper_view(item.paper_id))
        for item in message.items
    ]
    if message.thread_id is not None:
        return replies
    lines = [f"{number}. {safe_text(item.headline, MAX_LISTED_TITLE)}" for number, item in enumerate(message.items, 1)]
    listed = discord.Embed(description=_clip("\n".join(lines), MAX_DESCRIPTION), colour=discord.Colour.blurple())
    listed.set_footer(text=f"{len(message.items)} papers in the thread{_SEPARATOR}{digest_mark(message.digest_id)}")
    header = message.header if not message.continued else f"{message.header} (continued)"
    return [RenderedMessage(safe_text(header, MAX_CONTENT), (listed,)), *replies]


def render_reply(reply: Reply) -> list[RenderedMessage]:
    """A command's (or a button's) answer: its line of text, then its papers packed into as few messages as Discord
    allows; the button it offers (e.g. "Saved ✓") rides on the first."""
    text = reply_text(reply.text, MAX_CONTENT)
    batches = pack_embeds(paper_embed(item) for item in reply.items) or [()]
    offered = offer_view(reply.offer) if reply.offer else None
    return [
        RenderedMessage(
            text if number == 0 else None,
            batch,
            file=reply.attachment if number == 0 else None,
            view=offered if number == 0 else None,
        )
        for number, batch in enumerate(batches)
    ]


def pack_embeds(embeds: Iterable[discord.Embed]) -> list[tuple[discord.Embed, ...]]:
    """Group embeds into messages of at most 10 embeds and 6000 embed characters, keeping their order."""
    batches: list[tuple[discord.Embed, ...]] = []
    current: list[discord.Embed] = []
    size = 0
    for embed in embeds:
        if current and (len(current) == MAX_EMBEDS or size + len(embed) > MAX_EMBEDS_TOTAL):
            batches.append(tuple(current))
            current, size = [], 0
        current.append(embed)
        size += len(embed)
    if current:
        batches.append(tuple(current))
    return batches


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + _ELLIPSIS
