"""The terminal as a chat channel: digests and lookups rendered with rich, so the bot works with no tokens."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.rule import Rule
from rich.text import Text

from bot.delivery.assembly import summary_credit
from bot.errors import OutputError
from bot.events import Reply
from bot.models import ChannelRef, CommunitySummary, DigestItem, DigestMessage, Paper, PostedMessage
from bot.ports.chat import Recorder

_MAX_COPIES = 1000


class ConsoleAdapter:
    """Posts digests to a rich console; the message id is the digest id, as there is no platform to assign one."""

    platform = "console"

    def __init__(self, console: Console | None = None, files: Path | None = None) -> None:
        self.console = console or Console()
        self.files = files or Path()  # where attachments land, as a chat would upload them

    async def start(self) -> None:
        """Nothing to connect: the terminal is always there."""

    async def stop(self) -> None:
        """Nothing to disconnect."""

    async def send_digest(self, message: DigestMessage, on_posted: Recorder | None = None) -> list[PostedMessage]:
        self.console.print(render_digest(message))
        posted = PostedMessage(f"console:{message.digest_id}", tuple(item.paper_id for item in message.items))
        if on_posted is not None:
            await on_posted(posted)
        return [posted]

    async def send_notice(self, ref: ChannelRef, text: str) -> None:
        """A quiet day's or an outage's one line, as a channel would show it."""
        self.show_notice(text)

    def show_paper(self, paper: Paper, tldr: str | None, community: Sequence[CommunitySummary] = ()) -> None:
        self.console.print(render_paper(paper, tldr, community))

    def show_notice(self, text: str) -> None:
        self.console.print(Text(text, style="dim"))

    def show_reply(self, reply: Reply) -> None:
        """Print a command's answer; its attachment becomes a new file under `files`, whose path is printed too."""
        path = write_new_file(self.files, *reply.attachment) if reply.attachment else None
        self.console.print(render_reply(reply))
        if path is not None:
            self.console.print(Text(f"wrote {path}"), soft_wrap=True)


def render_reply(reply: Reply) -> RenderableType:
    """The answer's line, then its papers as a digest shows them."""
    if not reply.items:
        return Text(reply.text)
    parts: list[RenderableType] = []
    for number, item in enumerate(reply.items, start=1):
        if parts:
            parts.append(Text(""))
        parts.append(_render_item(number, item))
    return Group(Text(reply.text, style="bold"), Panel(Group(*parts), border_style="cyan"))


def write_new_file(directory: Path, name: str, content: bytes) -> Path:
    """Write `content` as `name` in `directory`, or as `name (1)`, `name (2)`... so no existing file is overwritten."""
    own = Path(name).name  # a name never reaches outside `directory`
    base = Path(own if own not in ("", "..") else "attachment")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for copy in range(_MAX_COPIES):
            path = directory / (base.name if copy == 0 else f"{base.stem} ({copy}){base.suffix}")
            try:
                with path.open("xb") as file:  # exclusive: a file appearing meanwhile is never clobbered
                    file.write(content)
            except FileExistsError:
                continue
            except OSError:
                path.unlink(missing_ok=True)  # no half-written file to mistake for the export
                raise
            return path
    except OSError as exc:
        raise OutputError(f"cannot write {base.name} to {directory}: {exc.strerror or exc}") from None
    raise OutputError(f"{directory} already holds {_MAX_COPIES} copies of {base.name}; move some elsewhere")


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
    if item.reason:
        lines.append(Text(f"Why: {item.reason}", style="dim italic"))
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
    meta += f" · published {paper.published:%Y-%m-%d}" if paper.published else " · date unknown"
    parts += [Text(paper.text), Text(""), Text(meta, style="dim")]
    if paper.categories:
        parts.append(Text("categories: " + ", ".join(paper.categories), style="dim"))
    if standing := _standing(paper):
        parts.append(Text(standing, style="dim"))
    for summary in community:
        heading = summary_credit(summary) + (f" · {summary.url}" if summary.url else "")
        parts += [Text(""), Text(heading, style="bold"), Text(summary.text)]
    return Panel(Group(*parts), title=Text(paper.headline, style="bold"), title_align="left", border_style="cyan")


def _standing(paper: Paper) -> str:
    """ "NeurIPS · 1,204 citations": where it was published and how often cited, when enrichment found out."""
    fields = [paper.venue] if paper.venue else []
    if paper.citations is not None:
        fields.append(f"{paper.citations:,} citation{'s' if paper.citations != 1 else ''}")
    return " · ".join(fields)


def _meta_line(source: str, authors: Sequence[str], url: str | None, paper_id: str) -> str:
    fields = [source]
    if authors:
        fields.append(", ".join(authors))
    if url:
        fields.append(url)
    fields.append(f"id {paper_id}")
    return " · ".join(fields)
