"""Statements the store runs more than once: the selection query, the outbox's per-digest writes and the predicates its
methods share. The hot ones are built once with named parameters, because building and cache-keying a fresh statement
cost more than running it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from bot.errors import ChannelNotFoundError
from bot.models import ChannelRef
from storage.tables import ChannelRow, DeliveryRow, DigestRunRow, PaperRow, PaperTermRow, SaveRow

IN_CHUNK = 500  # values per IN (...) list: far below every driver's bound-parameter limit

NEWEST = (PaperRow.recency.desc(), PaperRow.id)


def _carrying_terms(term_count: int) -> tuple[Select[PaperRow], InstrumentedAttribute[str]]:
    """Newest papers carrying terms :t0.. :tN-1 (all papers when there are none), and the column naming the paper.

    Walks the (term, recency) index of the first term; EXISTS probes the key for the others.
    """
    if not term_count:
        return select(PaperRow).order_by(*NEWEST), PaperRow.id
    first = aliased(PaperTermRow, name="t0")
    query = (
        select(PaperRow)
        .join(first, first.paper_id == PaperRow.id)
        .where(first.term == bindparam("t0"))
        .order_by(first.recency.desc(), first.paper_id)
    )
    for n in range(1, term_count):
        other = aliased(PaperTermRow, name=f"t{n}")
        query = query.where(exists().where(other.term == bindparam(f"t{n}"), other.paper_id == first.paper_id))
    return query, first.paper_id


_CHANNELS = ChannelRow.__table__
_DELIVERIES = DeliveryRow.__table__
_RUNS = DigestRunRow.__table__

# The key of the channel :platform/:workspace/:channel_id (NULL for one never configured), inside other statements.
CHANNEL_PK = (
    select(_CHANNELS.c.pk)
    .where(_CHANNELS.c.platform == bindparam("platform"), _CHANNELS.c.workspace == bindparam("workspace"))
    .where(_CHANNELS.c.channel_id == bindparam("channel_id"))
    .scalar_subquery()
)
# One delivery row (rows carry paper_id, digest_id, position, state, at and the channel's parameters).
PLAN = insert(_DELIVERIES).values(channel=CHANNEL_PK)
# One run slot :run_slot of the channel served.
FINISH_RUN = update(_RUNS).where(_RUNS.c.channel == CHANNEL_PK, _RUNS.c.slot == bindparam("run_slot")).values(done=True)


def channel_params(ref: ChannelRef) -> dict[str, str]:
    """The parameters naming a channel in CHANNEL_PK and the statements built on it."""
    return {"platform": ref.platform, "workspace": ref.workspace, "channel_id": ref.channel_id}


@lru_cache(maxsize=16)
def unsent_query(term_count: int) -> Select[PaperRow]:
    """Newest papers carrying the terms :t0.. and never delivered to the channel :platform/:workspace/:channel_id."""
    query, paper_id = _carrying_terms(term_count)
    # A channel never configured selects NULL, which no delivery matches: it has had nothing delivered.
    delivered = exists().where(DeliveryRow.channel == CHANNEL_PK, DeliveryRow.paper_id == paper_id)
    return query.where(~delivered).limit(bindparam("limit"))


async def unsent_rows(
    session: AsyncSession, ref: ChannelRef, topics: Sequence[Sequence[str]], limit: int
) -> list[PaperRow]:
    """Run one index-driven query per topic (each already newest first), then merge, dedupe and cut."""
    if limit <= 0:
        return []
    channel = channel_params(ref) | {"limit": limit}
    found: dict[str, PaperRow] = {}
    for topic in topics or [()]:
        terms = list(dict.fromkeys(topic))
        params = channel | {f"t{n}": term for n, term in enumerate(terms)}
        found.update((row.id, row) for row in await session.scalars(unsent_query(len(terms)), params))
    newest = sorted(sorted(found.values(), key=lambda row: row.id), key=lambda row: row.recency, reverse=True)
    return newest[:limit]


async def existing(session: AsyncSession, column: InstrumentedAttribute[str], values: list[str]) -> set[str]:
    """Which of `values` the column already holds, asked in chunks the drivers accept."""
    found: set[str] = set()
    for chunk in chunks(values, IN_CHUNK):
        found.update(await session.scalars(select(column).where(column.in_(chunk))))
    return found


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Split `items` into lists of at most `size` (itertools.batched needs Python 3.12)."""
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def is_channel(ref: ChannelRef) -> tuple[Any, ...]:
    """Match the channel row of `ref`: ids are only unique within (platform, workspace)."""
    return (
        ChannelRow.platform == ref.platform,
        ChannelRow.workspace == ref.workspace,
        ChannelRow.channel_id == ref.channel_id,
    )


async def channel_pk(session: AsyncSession, ref: ChannelRef) -> int:
    """The key of `ref`'s row, for a row that belongs to the channel; ChannelNotFoundError when it was never set up."""
    pk = await session.scalar(select(ChannelRow.pk).where(*is_channel(ref)))
    if pk is None:
        raise ChannelNotFoundError(f"{ref} has no digest settings")
    return pk


def is_user(platform: str, workspace: str, user_id: str) -> tuple[Any, ...]:
    """Match one user's saves: user ids are only unique within (platform, workspace)."""
    return SaveRow.platform == platform, SaveRow.workspace == workspace, SaveRow.user_id == user_id
