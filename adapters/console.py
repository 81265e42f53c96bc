"""The terminal as a chat channel: digests and lookups rendered with rich, so the bot works with no tokens."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.rule import Rule
from rich.text import Text

from bot.formatting import summary_credit
from bot.models import ChannelRef, CommunitySummary, DigestItem, DigestMessage, Paper, PostedMessage


class ConsoleAdapter:
    """Posts digests to a rich console; the message id is the digest id, as there is no platform to assign one."""

    platform = "console"

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console()

    async def send_digest(self, message: DigestMessage) -> list[PostedMessage]:
        self.console.print(render_digest(message))
        return [PostedMessage(f"console:{message.digest_id}", tuple(item.paper_id for item in message.items))]

    async def send_notice(self, ref: ChannelRef, text: str) -> None:
        """A quiet day's or an outage's one line, as a channel would show it."""
        self.show_notice(text)

    def show_paper(self, paper: Paper, tldr: str | None, community: Sequence[CommunitySummary] = ()) -> None:
        self.console.print(render_paper(paper, tldr, community))

    def show_notice(self, text: str) -> None:
        self.console.print(Text(text, style="dim"))


def render_digest(message: DigestMessage) -> RenderableType:
    """A header, one block per paper, and the digest date, like a chat message would show."""
    parts: list[RenderableType] = []
    for number, item in enumerate(message.items, start=1):
        parts.append(_render_item(number, item))
        parts.append(Text(""))
    parts.append(Rule(style="dim"))
    parts.append(Text(f"{message.created:%A %d %B %Y} · {len(message.items)} papers · {message.channel}", style="dim"))
    title = f"{message.header} (continued)" if message.continued else message.header
    return Panel(Group(*parts), title=Text(title, style="bold"), title_align="left", border_style="cyan")


def _render_item(number: int, item: DigestItem) -> RenderableType:
    title = Text(f"{number}. ", style="bold cyan")
    title.append(item.headline, style="bold")
    body = Text(item.tldr)
    meta = _meta_line(item.source, item.authors, item.url, item.paper_id)
    lines = [title, body, Text(f"{meta} · {item.credit}" if item.credit else meta, style="dim")]
    for twin in item.twins:
        credit = f" · {twin.credit}" if twin.credit else ""
        lines.append(Text(f"Also summarized: {twin.headline} · {twin.paper_id}{credit}", style="dim"))
    return Group(*lines)


def render_paper(paper: Paper, tldr: str | None, community: Sequence[CommunitySummary] = ()) -> RenderableType:
    """One paper in full: headline, TL;DR, metadata, the whole cleaned text, then each community summary of it."""
    parts: list[RenderableType] = []
    if tldr:
        parts += [Text("TL;DR ", style="bold") + Text(tldr), Text("")]
    meta = _meta_line(paper.source, paper.authors, paper.url, paper.id)
    parts += [Text(paper.text), Text(""), Text(meta, style="dim")]
    if paper.categories:
        parts.append(Text("categories: " + ", ".join(paper.categories), style="dim"))
    for summary in community:
        heading = summary_credit(summary) + (f" · {summary.url}" if summary.url else "")
        parts += [Text(""), Text(heading, style="bold"), Text(summary.text)]
    return Panel(Group(*parts), title=Text(paper.headline, style="bold"), title_align="left", border_style="cyan")


def _meta_line(source: str, authors: Sequence[str], url: str | None, paper_id: str) -> str:
    fields = [source]
    if authors:
        fields.append(", ".join(authors))
    if url:
        fields.append(url)
    fields.append(f"id {paper_id}")
    return " · ".join(fields)
