"""A new channel seeded with a few papers on one subject (`/papers seed`) gets a first digest on that subject out of a
mixed store, through the digest path `paperbot run` uses (the semantic index over the real MiniLM vectors), even
when every paper on the subject is older than the rest of the store and the seeds themselves have no vector yet."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from app.parts import chat_services, command_router, digest_service, semantic_index, shared_papers
from bot.events import IncomingCommand
from bot.models import Channel, ChannelRef, Paper
from storage.sql_store import SqlStore
from testing.fakes import FirstWordsSummarizer

HERE = ChannelRef("slack", "T1", "C1")
SUBJECT = "adversarial"
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def on_subject(paper: Paper) -> bool:
    return SUBJECT in paper.headline.lower()


def arxiv_store(corpus_papers: list[Paper]) -> tuple[list[Paper], dict[str, str]]:
    """The corpus under arXiv ids (seed takes arXiv ids), the subject's papers all older than the others, so the
    newest papers alone would make an off-subject digest; and corpus id -> arXiv id."""
    ordered = sorted(corpus_papers, key=on_subject, reverse=True)  # on-subject first: the oldest
    renamed = {paper.id: f"2401.{n:05d}" for n, paper in enumerate(ordered, start=1)}
    papers = [
        replace(paper, id=renamed[paper.id], published=T0 + timedelta(hours=n)) for n, paper in enumerate(ordered)
    ]
    return papers, renamed


async def test_a_seeded_channels_first_digest_is_on_the_seeded_subject(
    store: SqlStore, corpus_papers: list[Paper], corpus_vectors: dict[str, bytes], encoder
) -> None:
    papers, renamed = arxiv_store(corpus_papers)
    await store.papers.add_papers(papers)
    subject = [paper for paper in papers if on_subject(paper)]
    seeds = [paper.id for paper in subject[:3]]  # looked up just now: no vector until the digest embeds them
    index = semantic_index(store, encoder)
    vectors = {renamed[pid]: row for pid, row in corpus_vectors.items() if renamed[pid] not in seeds}
    await store.embeddings.add_embeddings(index.model, vectors)

    async def load(ref: ChannelRef) -> Channel:
        return await store.channels.get_channel(ref) or await store.channels.upsert_channel(Channel(ref))

    digests = digest_service(store, FirstWordsSummarizer(), semantic=index)
    shared = shared_papers(store, chat_services(store, digests, load, semantic=index), FirstWordsSummarizer(), None)
    router = command_router(store, digests, load, semantic=index, seeds=shared.seed)
    seed = f"seed {' '.join(seeds)}"
    seeded = await router.handle(IncomingCommand("slack", "T1", "C1", "U1", seed, can_manage=True))
    assert seeded.text.startswith("This channel's digests now lean towards 3 papers")

    digest = await digests.preview(await load(HERE))

    assert digest is not None and len(digest.items) == Channel(HERE).digest_size
    chosen = {paper.id: paper for paper in papers}
    on_topic = [item for item in digest.items if on_subject(chosen[item.paper_id])]
    # measured: 4 of 5 titled on the subject (the fifth is a broad study of it); the newest papers alone give 0 of 5
    assert len(on_topic) >= len(digest.items) - 1, [item.headline for item in digest.items]
    assert not {item.paper_id for item in digest.items} & set(seeds), "seeds are not resent"
    assert {item.reason for item in on_topic} == {"like papers this channel voted up or shared"}
