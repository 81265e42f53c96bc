"""Handlers for a user's reading list: `saved` (pages and exports), `save`, `unsave`; buttons and the App Home reuse
the same steps (`save_for`, `unsave_for`, `export_list`)."""

from __future__ import annotations

from bot.chat.export import FORMATS, export
from bot.chat.services import ChatServices
from bot.chat.spec import Invocation
from bot.errors import UsageError
from bot.events import Reply
from bot.models import Paper, Reader, Save
from bot.numbers import parse_count
from bot.summarize.service import cached_tldrs

SAVED_PAGE = 5
EMPTY = "Your reading list is empty. Save a paper with `save <id>` or by reacting to a digest."


async def saved(services: ChatServices, call: Invocation) -> Reply:
    command = call.command
    action, _, fmt = call.argument.lower().partition(" ")
    page = parse_count(action or "1")
    if action != "export" and page is None:
        raise UsageError(f"Usage: {call.usage}")
    if action == "export" and fmt.strip() not in FORMATS:
        raise UsageError(f"Usage: {call.usage}")
    reader = Reader(command.platform, command.workspace, command.user_id)
    if action == "export":
        return await export_list(services, reader, fmt.strip())
    saved = await services.reading_lists.saved_papers(command.platform, command.workspace, command.user_id)
    if not saved:
        return Reply(EMPTY)
    pages = -(-len(saved) // SAVED_PAGE)
    if page is None or not 1 <= page <= pages:
        raise UsageError(f"Your reading list has {pages} page{'s' if pages > 1 else ''}; ask for 1 to {pages}.")
    shown = saved[(page - 1) * SAVED_PAGE : page * SAVED_PAGE]
    items = await services.items([paper for _, paper in shown])
    if pages == 1:
        return Reply(f"Your reading list ({len(saved)}):", items=items)
    more = f" (`saved {page + 1}` for more)" if page < pages else ""
    return Reply(f"Your reading list ({len(saved)}), page {page}/{pages}{more}:", items=items)


async def save(services: ChatServices, call: Invocation) -> Reply:
    command = call.command
    paper, added = await save_for(services, Reader(command.platform, command.workspace, command.user_id), call.argument)
    return Reply(f"Saved “{paper.headline}”." if added else f"“{paper.headline}” is already on your list.")


async def unsave(services: ChatServices, call: Invocation) -> Reply:
    command, paper_id = call.command, call.argument
    removed = await unsave_for(services, Reader(command.platform, command.workspace, command.user_id), paper_id)
    return Reply(f"Removed {paper_id} from your list." if removed else f"{paper_id[:40]} was not on your list.")


async def save_for(services: ChatServices, reader: Reader, paper_id: str) -> tuple[Paper, bool]:
    """Put a paper on the reader's list: the paper, and whether it was not there yet (saving twice saves once)."""
    paper = await services.paper(paper_id)
    entry = Save(reader.platform, reader.workspace, reader.user_id, paper.id, services.clock())
    return paper, await services.reading_lists.save_paper(entry)


async def unsave_for(services: ChatServices, reader: Reader, paper_id: str) -> bool:
    """Take a paper off the reader's list; False when it was not there."""
    return await services.reading_lists.unsave_paper(reader.platform, reader.workspace, reader.user_id, paper_id)


async def export_list(services: ChatServices, reader: Reader, fmt: str) -> Reply:
    """The reader's whole list as a file in `fmt` (one of FORMATS), with each paper's TL;DR."""
    saved = await services.reading_lists.saved_papers(reader.platform, reader.workspace, reader.user_id)
    if not saved:
        return Reply(EMPTY)
    summaries = await cached_tldrs(services.summaries, [paper.id for _, paper in saved])
    entries = [(p, s.text if (s := summaries.get(p.id)) else None) for _, p in saved]
    name, content = export(entries, fmt)
    return Reply(f"Your reading list ({len(saved)} papers) as {name}.", attachment=(name, content))
