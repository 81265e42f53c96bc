"""Handlers that find papers: `search`, `show`, `similar`. None of them changes anything."""

from __future__ import annotations

from bot.chat.services import ChatServices
from bot.chat.spec import Invocation
from bot.delivery.assembly import summary_credit
from bot.errors import CommandError, UsageError
from bot.events import Reply
from bot.selection.hybrid import HybridSearch
from bot.selection.query import QueryError, parse_query

SEARCH_RESULTS = 5
MAX_LISTED = 10  # community summaries named by `show`


async def search(services: ChatServices, call: Invocation) -> Reply:
    query = call.argument
    try:
        parsed = parse_query(query, channel=call.command.channel, user_id=call.command.user_id, now=services.clock())
    except QueryError as exc:
        raise UsageError(str(exc)) from None
    found = await HybridSearch(services.search, services.library, services.semantic).search(parsed, SEARCH_RESULTS)
    if not found.papers:
        return Reply(f"No papers match {query[:80]!r}.")
    items = await services.items(found.papers)
    if found.by_meaning:
        return Reply(f"No paper has these words; closest in meaning to {query[:80]!r}:", items=items)
    return Reply(f"Top {len(items)} for {query[:80]!r}:", items=items)


async def show(services: ChatServices, call: Invocation) -> Reply:
    """The paper's item, and every community summary of it (the item condenses the best; all stay reachable)."""
    paper = await services.paper(call.argument)
    community = (await services.library.community_summaries([paper.id])).get(paper.id, [])
    lines = [f"Paper {paper.id}:"]  # the item below carries the headline: never twice
    if community:
        lines.append(f"{len(community)} community summaries:")
        lines += [f"• {summary_credit(s)}" + (f": {s.url}" if s.url else "") for s in community[:MAX_LISTED]]
    return Reply("\n".join(lines), items=await services.items([paper]))


async def similar(services: ChatServices, call: Invocation) -> Reply:
    return await similar_to(services, call.argument)


async def similar_to(services: ChatServices, paper_id: str) -> Reply:
    """The papers nearest in meaning to one paper (`similar`, and a paper's *More like this* button)."""
    paper = await services.paper(paper_id)
    if services.semantic is None:
        raise CommandError("Similar papers need the embedding model, which this bot runs without.")
    near = await services.semantic.similar(paper.id, SEARCH_RESULTS)
    papers = await services.papers([pid for pid, _ in near], set())
    if not papers:
        return Reply(f"No other papers are embedded yet to compare with “{paper.headline}”.")
    items = await services.items(papers)
    return Reply(f"Papers like “{paper.headline}”:", items=items)
