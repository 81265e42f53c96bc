"""Buttons on papers, from every platform: each press goes through the steps the commands and reactions take (the
reading list's, the votes', `similar`'s, the export's), and is answered with a neutral Reply only the presser sees.

A press states what it wants (save, unsave, hide, unhide), never "toggle", so pressing twice does one thing: the second
save finds the paper saved. A save's answer offers the button that undoes it ("Saved ✓" unsaves); "not interested" is
undone from the paper's own menu, where the whole channel sees it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.chat.export import export
from bot.chat.lookups import similar_to
from bot.chat.reactions import vote_on_message
from bot.chat.reading_list import export_list, save_for, unsave_for
from bot.chat.router import STORE_FAILED
from bot.chat.services import ChatServices
from bot.delivery.pacing import UserQuota
from bot.errors import ChannelNotFoundError, CommandError, RateLimitedError, StoreError
from bot.events import IncomingAction, Offer, PaperAction, Reply
from bot.models import ChannelRef, Reader
from bot.ports.channels import HiddenPapers, Votes
from bot.ports.outbox import DeliveredMessages
from bot.summarize.service import cached_tldrs

log = logging.getLogger(__name__)

SAVED_LABEL = "Saved ✓"
SAVE_LABEL = "Save"


class ActionHandler:
    """Answers paper buttons for every platform; adapters translate presses into IncomingActions at the edge."""

    def __init__(
        self,
        services: ChatServices,
        votes: Votes,
        hidden: HiddenPapers,
        messages: DeliveredMessages,
        *,
        quota: UserQuota | None = None,
    ) -> None:
        self._services = services
        self._votes = votes
        self._hidden = hidden
        self._messages = messages
        self._quota = quota
        self._handlers: dict[PaperAction, Callable[[IncomingAction], Awaitable[Reply]]] = {
            PaperAction.SAVE: self._save,
            PaperAction.UNSAVE: self._unsave,
            PaperAction.MORE: self._more,
            PaperAction.UPVOTE: self._vote,
            PaperAction.DOWNVOTE: self._vote,
            PaperAction.HIDE: self._hide,
            PaperAction.UNHIDE: self._unhide,
            PaperAction.BIBTEX: self._bibtex,
        }

    async def handle(self, action: IncomingAction) -> Reply:
        """Do what the button asks; a CommandError (or PaperNotFoundError) carries the one line to show instead."""
        reader = action.reader
        if self._quota and (wait_s := self._quota.wait_s((reader.platform, reader.workspace, reader.user_id))):
            raise RateLimitedError(f"You're pressing quickly; please try again in {max(1, round(wait_s))} s.")
        try:
            reply = await self._handlers[action.action](action)
        except ChannelNotFoundError:
            raise CommandError("This channel has no digest settings; `help` shows how to set them up.") from None
        except StoreError as exc:  # its text names the database: for the log, not the channel
            log.error("action %s on %r: %s", action.action, action.paper_id[:80], exc)
            raise CommandError(STORE_FAILED) from exc
        log.info("action %s paper=%r channel=%s", action.action, action.paper_id[:80], action.channel)
        return reply

    async def export(self, reader: Reader, fmt: str) -> Reply:
        """The reader's reading list as a file (the App Home's export buttons)."""
        try:
            return await export_list(self._services, reader, fmt)
        except StoreError as exc:
            log.error("export for %s: %s", reader, exc)
            raise CommandError(STORE_FAILED) from exc

    async def _save(self, action: IncomingAction) -> Reply:
        paper, added = await save_for(self._services, action.reader, action.paper_id)
        title = paper.headline
        text = f"Saved “{title}” to your reading list." if added else f"“{title}” is on your reading list."
        return Reply(text, offer=Offer(PaperAction.UNSAVE, paper.id, SAVED_LABEL))

    async def _unsave(self, action: IncomingAction) -> Reply:
        removed = await unsave_for(self._services, action.reader, action.paper_id)
        paper = await self._services.library.get_paper(action.paper_id)
        title = paper.headline if paper else action.paper_id[:80]
        text = f"Removed “{title}” from your reading list." if removed else f"“{title}” is not on your reading list."
        return Reply(text, offer=Offer(PaperAction.SAVE, paper.id, SAVE_LABEL) if paper else None)

    async def _more(self, action: IncomingAction) -> Reply:
        return await similar_to(self._services, action.paper_id)

    async def _vote(self, action: IncomingAction) -> Reply:
        """The vote reactions' step: every paper the digest message carries (its twins too) gets the vote."""
        channel = _channel(action)
        paper = await self._services.paper(action.paper_id)
        up = action.action is PaperAction.UPVOTE
        vote, at = (1 if up else -1), self._services.clock()
        user = action.user_id
        voted = []
        if action.message_id is not None:
            voted = await vote_on_message(self._messages, self._votes, channel, action.message_id, user, vote, at)
        if paper.id not in voted:
            await self._votes.record_vote(channel, paper.id, user, vote, at)
        noted = (
            "👍 Noted: this channel's digests lean toward" if up else "👎 Noted: this channel's digests lean away from"
        )
        return Reply(f"{noted} papers like “{paper.headline}”.")

    async def _hide(self, action: IncomingAction) -> Reply:
        channel = _channel(action)
        paper = await self._services.paper(action.paper_id)
        await self._hidden.hide_paper(channel, paper.id, action.user_id, self._services.clock())
        return Reply(f"Not interested: papers like “{paper.headline}” are left out of this channel's digests.")

    async def _unhide(self, action: IncomingAction) -> Reply:
        removed = await self._hidden.unhide_paper(_channel(action), action.paper_id)
        paper = await self._services.library.get_paper(action.paper_id)
        title = paper.headline if paper else action.paper_id[:80]
        if not removed:
            return Reply(f"“{title}” was not marked not interested here.")
        return Reply(f"Papers like “{title}” can come back to this channel's digests.")

    async def _bibtex(self, action: IncomingAction) -> Reply:
        paper = await self._services.paper(action.paper_id)
        summary = (await cached_tldrs(self._services.summaries, [paper.id])).get(paper.id)
        _, content = export([(paper, summary.text if summary else None)], "bibtex")
        return Reply(f"BibTeX for “{paper.headline}”:", attachment=("citation.bib", content))


def _channel(action: IncomingAction) -> ChannelRef:
    """The channel a channel-wide button (a vote, not interested) acts on."""
    if action.channel is None:
        raise CommandError("That button works on a digest in a channel.")
    return action.channel
