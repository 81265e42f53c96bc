"""Turn chosen papers and their TL;DRs into the neutral digest every adapter renders."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.models import Channel, CommunitySummary, DigestItem, DigestMessage, Paper, Twin

_FALLBACK_WORDS = 60
_ARXIV_PDF = "https://arxiv.org/pdf/"
_ARXIV_ABS = (
    "https://arxiv.org/abs/",
    "http://arxiv.org/abs/",
    "https://www.arxiv.org/abs/",
    "http://www.arxiv.org/abs/",
)


def digest_item(
    paper: Paper, tldr: str | None, community: CommunitySummary | None = None, twins: Sequence[Twin] = ()
) -> DigestItem:
    """One paper as shown in a digest; without a TL;DR the opening of its text stands in.

    `community` is the summary the TL;DR condenses (the paper's best), credited so readers know whose take it is.
    """
    return DigestItem(
        paper_id=paper.id,
        headline=paper.headline,
        tldr=tldr or opening_words(community.text if community else paper.text, _FALLBACK_WORDS),
        source=paper.source,
        url=paper.url,
        authors=paper.authors,
        credit=summary_credit(community) if community else None,
        twins=tuple(twins),
        pdf_url=pdf_link(paper),
    )


def pdf_link(paper: Paper) -> str | None:
    """The paper's PDF: as its source gave it, else derived from its arXiv id: the one its arXiv abstract link names,
    or an arXiv paper's own id (the bare arXiv id)."""
    if paper.pdf_url:
        return paper.pdf_url
    url = (paper.url or "").split("?")[0].split("#")[0]
    for prefix in _ARXIV_ABS:
        if url.startswith(prefix) and len(url) > len(prefix):
            return f"{_ARXIV_PDF}{url[len(prefix) :]}"
    if paper.source == "arxiv" and ":" not in paper.id:
        return f"{_ARXIV_PDF}{paper.id}"
    return None


def twin(paper: Paper, community: CommunitySummary | None) -> Twin:
    """A near-duplicate as its item lists it: enough to open it (`show` takes the id) and to know whose it is."""
    return Twin(paper.id, paper.headline, paper.url, summary_credit(community) if community else None)


def summary_credit(community: CommunitySummary) -> str:
    """ "summary by Ada on shortscience (12 votes)": the author, the site and how much readers liked it."""
    by = f"summary by {community.author}" if community.author else "community summary"
    votes = f" ({community.votes} votes)" if community.votes else ""
    return f"{by} on {community.source}{votes}"


def best_community(summaries: Mapping[str, Sequence[CommunitySummary]]) -> dict[str, CommunitySummary]:
    """Each paper's best community summary (the store lists them best first)."""
    return {paper_id: found[0] for paper_id, found in summaries.items() if found}


def build_digest(
    channel: Channel,
    groups: Sequence[Sequence[Paper]],
    tldrs: Mapping[str, str],
    community: Mapping[str, CommunitySummary],
    *,
    digest_id: str,
    header: str,
    created: datetime,
) -> DigestMessage:
    """Assemble the digest in the order the papers were chosen: one item per group, its lead's, with the twins."""
    return DigestMessage(
        digest_id=digest_id,
        channel=channel.ref,
        header=header,
        created=created,
        layout=channel.layout,
        items=tuple(
            digest_item(lead, tldrs.get(lead.id), community.get(lead.id), [twin(p, community.get(p.id)) for p in rest])
            for lead, *rest in groups
        ),
    )


def opening_words(text: str, count: int) -> str:
    """The first `count` words of a text, marked with an ellipsis when cut."""
    words = text.split()
    return " ".join(words) if len(words) <= count else " ".join(words[:count]) + " …"
