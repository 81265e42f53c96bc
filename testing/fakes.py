"""Fakes that speak the core's protocols for tests that are not about the real thing they replace."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.models import ChannelRef, DigestMessage, Paper, PostedMessage
from bot.ports.chat import Recorder


class FirstWordsSummarizer:
    """A summarizer that keeps the first words: deterministic and instant, and it counts its calls."""

    name = "first-words"
    version = "1"

    def __init__(self, words: int = 12) -> None:
        self.words = words
        self.calls = 0
        self.texts_seen = 0

    async def summarize(self, texts: Sequence[str], headlines: Sequence[str] | None = None) -> list[str]:
        self.calls += 1
        self.texts_seen += len(texts)
        return [" ".join(text.split()[: self.words]) for text in texts]


class RecordingAdapter:
    """Records the digests it is asked to post; can be told to fail the next post."""

    platform = "console"

    def __init__(self) -> None:
        self.sent: list[DigestMessage] = []
        self.notices: list[tuple[ChannelRef, str]] = []
        self.fail_next = False

    async def send_notice(self, ref: ChannelRef, text: str) -> None:
        self.notices.append((ref, text))

    async def send_digest(self, message: DigestMessage, on_posted: Recorder | None = None) -> list[PostedMessage]:
        """Accept the whole digest at once; recorded per digest (`on_posted` unused), as a platform that cannot."""
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("platform unavailable")
        self.sent.append(message)
        return [PostedMessage(f"m{len(self.sent)}-{i}", (item.paper_id,)) for i, item in enumerate(message.items)]


def make_paper(n: int, text: str = "", *, categories: tuple[str, ...] = (), age_days: int | None = None) -> Paper:
    """A paper whose recency follows `n` (higher n is newer) unless `age_days` says otherwise."""
    body = text or f"Paper number {n} studies something interesting about topic{n}."
    published = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=n if age_days is None else -age_days)
    return Paper(
        id=f"p{n}",
        source="test",
        source_id=str(n),
        headline=f"Headline {n}",
        text=body,
        fingerprint=f"fp{n}",
        authors=("Author",),
        url=f"https://example.org/{n}",
        categories=categories,
        published=published,
    )
