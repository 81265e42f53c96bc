"""Near-duplicates (the same work summarized twice) share one digest item, are delivered with it, and never come back
as a repeat; on SQLite and PostgreSQL, with the real MiniLM vectors."""

from __future__ import annotations

from collections.abc import Sequence

from app.parts import digest_service, semantic_index
from bot.delivery.digest import DigestService
from bot.models import Channel, ChannelRef, DigestMessage, Paper, PostedMessage
from bot.selection.ranking import DUPLICATE_COSINE
from bot.selection.semantic import SemanticIndex
from storage.sql_store import SqlStore
from testing.fakes import FirstWordsSummarizer, RecordingAdapter
from tests.storage.conftest import paper

REF = ChannelRef("console", "lab", "reading")

ADAM = (
    "Kingma and Ba introduce Adam, an optimizer that keeps running averages of each parameter's gradient and of its "
    "square, and scales every step by their ratio. Bias correction fixes the averages' start at zero. It needs little "
    "tuning and trains deep networks faster than plain stochastic gradient descent on the benchmarks they try."
)
ADAM_AGAIN = (  # a second reader's summary of the same paper: reworded in places
    "Kingma & Ba introduce Adam: an optimizer that keeps running averages of each parameter's gradient and of its "
    "square and scales each step by their ratio. A bias correction fixes the averages starting at zero. It needs "
    "little tuning, and trains deep networks faster than plain SGD on the benchmarks they tried."
)
DROPOUT = (
    "Srivastava et al. randomly drop units and their connections while training a neural network, which stops units "
    "from co-adapting; at test time one network with scaled weights approximates the average of the thinned ones."
)
BATCHNORM = (
    "Ioffe and Szegedy normalise each layer's inputs over the mini-batch, with a learned scale and shift, so that "
    "much higher learning rates work and deep image classifiers train in a fraction of the steps."
)


def papers() -> list[Paper]:
    """Newest first: Adam, its twin, then two unrelated papers."""
    return [
        paper(4, "Adam: a method for stochastic optimization", ADAM),
        paper(3, "Adam, a method for stochastic optimization", ADAM_AGAIN, source="shortscience"),
        paper(2, "Dropout", DROPOUT),
        paper(1, "Batch normalization", BATCHNORM),
    ]


async def _setup(store: SqlStore, encoder) -> tuple[Channel, SemanticIndex]:
    index = semantic_index(store, encoder)
    await store.papers.add_papers(papers())
    await index.embed_papers(papers())
    vectors = await index.vectors(["p004", "p003", "p002"])
    assert float(vectors["p004"] @ vectors["p003"]) > DUPLICATE_COSINE, "the two Adam summaries are one work"
    assert float(vectors["p004"] @ vectors["p002"]) < DUPLICATE_COSINE
    return await store.channels.upsert_channel(Channel(REF, digest_size=2)), index


def _service(store: SqlStore, index: SemanticIndex) -> DigestService:
    return digest_service(store, FirstWordsSummarizer(), header="Papers", semantic=index)


def _shape(message: DigestMessage | None) -> list[tuple[str, tuple[str, ...]]]:
    assert message is not None
    return [(item.paper_id, tuple(twin.paper_id for twin in item.twins)) for item in message.items]


async def test_a_twin_rides_with_its_item_is_sent_with_it_and_never_comes_back(store: SqlStore, encoder) -> None:
    channel, index = await _setup(store, encoder)
    platform = RecordingAdapter()

    first = await _service(store, index).deliver(channel, platform.send_digest)

    assert _shape(first) == [("p004", ("p003",)), ("p002", ())], "two items: Adam (with its twin) and dropout"
    assert first is not None and first.items[0].twins[0].headline == "Adam, a method for stochastic optimization"
    assert await store.outbox.papers_for_message(REF, "m1-0") == ["p004", "p003"], (
        "a save on the item saves both summaries"
    )
    second = await _service(store, index).deliver(channel, platform.send_digest)
    assert _shape(second) == [("p001", ())], "the twin was delivered with Adam: not a repeat now"
    assert await _service(store, index).deliver(channel, platform.send_digest) is None


ADAM_LATER = (  # a third summary of the same paper, arriving after the first two went out
    "Kingma and Ba introduce Adam, an optimizer keeping running averages of each parameter's gradient and of its "
    "square, scaling every step by their ratio. A bias correction fixes the averages' start at zero. It needs little "
    "tuning and trains deep networks faster than plain stochastic gradient descent on the benchmarks they tried."
)


async def test_a_twin_arriving_after_its_paper_went_out_is_never_posted(store: SqlStore, encoder) -> None:
    channel, index = await _setup(store, encoder)
    platform = RecordingAdapter()
    await _service(store, index).deliver(channel, platform.send_digest)
    later = paper(9, "Adam: a method for stochastic optimization", ADAM_LATER, source="rss")  # the newest of all
    await store.papers.add_papers([later])
    await index.embed_papers([later])

    preview = await _service(store, index).preview(channel)
    second = await _service(store, index).deliver(channel, platform.send_digest)

    assert _shape(preview) == _shape(second) == [("p001", ())], "the late Adam summary is a repeat, not news"
    assert await _service(store, index).deliver(channel, platform.send_digest) is None, "and it stays out"
    assert await store.outbox.planned_digests(REF) == {}
    other = await store.channels.upsert_channel(Channel(ChannelRef("console", "lab", "other"), digest_size=5))
    assert "p009" in [item.paper_id for item in (await _service(store, index).preview(other)).items], (
        "a channel that never got Adam gets the newest summary of it"
    )


async def test_a_resumed_digest_groups_its_planned_twins_again(store: SqlStore, encoder) -> None:
    channel, index = await _setup(store, encoder)
    planned = await _service(store, index).plan(channel)

    resumed = await _service(store, index).plan(channel)  # another worker, after this one died

    assert resumed is not None and planned is not None and resumed.digest_id == planned.digest_id
    assert _shape(resumed) == _shape(planned) == [("p004", ("p003",)), ("p002", ())]


async def test_read_back_messages_name_only_the_item_yet_its_twin_is_marked_sent(store: SqlStore, encoder) -> None:
    channel, index = await _setup(store, encoder)
    planned = await _service(store, index).plan(channel)
    assert planned is not None
    platform = RecordingAdapter()

    async def find_posted(ref: ChannelRef, digest_id: str, after: str | None = None) -> Sequence[PostedMessage]:
        return [PostedMessage("landed", ("p004",))]  # the platform shows the Adam message: its footer names p004 only

    await _service(store, index).deliver(channel, platform.send_digest, find_posted=find_posted)

    assert _shape(platform.sent[0]) == [("p002", ())] and platform.sent[0].continued
    assert await store.outbox.planned_digests(REF) == {}
    assert await store.outbox.papers_for_message(REF, "landed") == ["p004", "p003"]
