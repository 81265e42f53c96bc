"""Handlers for a user's reading list: `saved` (pages and exports), `save`, `unsave`."""

from __future__ import annotations

from bot.chat.export import FORMATS, export
from bot.chat.services import ChatServices
from bot.chat.spec import Invocation
from bot.errors import UsageError
from bot.events import Reply
from bot.models import Save
from bot.numbers import parse_count
from bot.summarize.service import cached_tldrs

SAVED_PAGE = 5


async def saved(services: ChatServices, call: Invocation) -> Reply:
    command = call.command
    action, _, fmt = call.argument.lower().partition(" ")
    page = parse_count(action or "1")
    if action != "export" and page is None:
        raise UsageError(f"Usage: {call.usage}")
    if action == "export" and fmt.strip() not in FORMATS:
        raise UsageError(f"Usage: {call.usage}")
    saved = await services.reading_lists.saved_papers(command.platform, command.workspace, command.user_id)
    if not saved:
        return Reply("Your reading list is empty. Save a paper with `save <id>` or by reacting to a digest.")
    if action == "export":
        summaries = await cached_tldrs(services.summaries, [paper.id for _, paper in saved])
        entries = [(p, s.text if (s := summaries.get(p.id)) else None) for _, p in saved]
        name, content = export(entries, fmt.strip())
        return Reply(f"Your reading list ({len(saved)} papers) as {name}.", attachment=(name, content))
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
    paper = await services.paper(call.argument)
    entry = Save(command.platform, command.workspace, command.user_id, paper.id, services.clock())
    added = await services.reading_lists.save_paper(entry)
    return Reply(f"Saved “{paper.headline}”." if added else f"“{paper.headline}” is already on your list.")


async def unsave(services: ChatServices, call: Invocation) -> Reply:
    command, paper_id = call.command, call.argument
    removed = await services.reading_lists.unsave_paper(command.platform, command.workspace, command.user_id, paper_id)
    return Reply(f"Removed {paper_id} from your list." if removed else f"{paper_id[:40]} was not on your list.")
