"""Turn chosen papers and their TL;DRs into the neutral digest every adapter renders."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.models import Channel, DigestItem, DigestMessage, Paper

_FALLBACK_WORDS = 60


def digest_item(paper: Paper, tldr: str | None) -> DigestItem:
    """One paper as shown in a digest; without a TL;DR the opening of its text stands in."""
    return DigestItem(
        paper_id=paper.id,
        headline=paper.headline,
        tldr=tldr or opening_words(paper.text, _FALLBACK_WORDS),
        source=paper.source,
        url=paper.url,
        authors=paper.authors,
    )


def build_digest(
    channel: Channel,
    papers: Sequence[Paper],
    tldrs: Mapping[str, str],
    *,
    digest_id: str,
    header: str,
    created: datetime,
) -> DigestMessage:
    """Assemble the digest in the order the papers were chosen."""
    return DigestMessage(
        digest_id=digest_id,
        channel=channel.ref,
        header=header,
        created=created,
        items=tuple(digest_item(paper, tldrs.get(paper.id)) for paper in papers),
    )


def opening_words(text: str, count: int) -> str:
    """The first `count` words of a text, marked with an ellipsis when cut."""
    words = text.split()
    return " ".join(words) if len(words) <= count else " ".join(words[:count]) + " …"
