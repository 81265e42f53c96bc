"""`/papers seed`: papers a new channel already likes (arXiv ids or links, or a BibTeX file's entries) become its
positive examples from day one, so its first digest is already on topic."""

from __future__ import annotations

import re

from bot.chat.links import arxiv_id_of
from bot.chat.services import ChatServices
from bot.chat.spec import Invocation
from bot.errors import CommandError, UsageError
from bot.events import Reply
from bot.ingest.identity import normalize_arxiv_id

MAX_SEEDS = 20
_TOKEN = re.compile(r"[^\s,;{}\"<>|]+")
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.", re.I)
_BIBTEX_FIELD = re.compile(r"\b(?:eprint|url|doi|journal|note)\s*=\s*[{\"]([^}\"]*)[}\"]", re.I)


def seed_ids(text: str) -> list[str]:
    """The distinct arXiv ids a text names: bare (2401.00001, arXiv:2401.00001v2, hep-th/9901001) or as links."""
    found: dict[str, None] = {}
    for token in _TOKEN.findall(text):
        arxiv_id = arxiv_id_of(token) if token.lower().startswith(("http://", "https://")) else _bare(token)
        if arxiv_id:
            found[arxiv_id] = None
    return list(found)


def bibtex_ids(bibtex: str) -> list[str]:
    """The arXiv ids of a BibTeX file's entries: from `eprint`, an arXiv `url` or `doi`, or `journal = {arXiv:...}`."""
    return seed_ids(" ".join(value for value in _BIBTEX_FIELD.findall(bibtex)))


async def seed(services: ChatServices, call: Invocation) -> Reply:
    if services.seeds is None:
        raise CommandError("This bot cannot look papers up here; seed the channel where `paperbot run` serves it.")
    ids = seed_ids(call.argument)
    if not ids:
        raise UsageError(f"Usage: {call.usage}: arXiv ids or links (or their BibTeX), e.g. seed 1706.03762 2005.14165.")
    if len(ids) > MAX_SEEDS:
        raise UsageError(f"Seed at most {MAX_SEEDS} papers at a time (got {len(ids)}).")
    report = await services.seeds(call.command.channel, call.command.user_id, ids, services.clock())
    if not report.papers:
        raise CommandError(f"arXiv has none of {', '.join(report.unknown)}; nothing seeded.")
    titles = "; ".join(paper.headline for paper in report.papers)
    missing = f" Not found on arXiv: {', '.join(report.unknown)}." if report.unknown else ""
    count = len(report.papers)
    return Reply(
        f"This channel's digests now lean towards {count} paper{'s' if count > 1 else ''}: {titles}.{missing}",
        ephemeral=False,
    )


def _bare(token: str) -> str | None:
    """An arXiv id as written bare, or as arXiv's DOI (10.48550/arXiv.ID); None for anything else."""
    token = _ARXIV_DOI.sub("", token.rstrip(".,"))
    try:
        return normalize_arxiv_id(token)[0]
    except ValueError:
        return None
