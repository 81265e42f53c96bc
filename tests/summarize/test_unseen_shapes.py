"""Pages shaped like the ShortScience ones that broke the rules, written here (not copied from the corpus), through the
real ingest parser and the default summarizer: the rules must hold on pages nobody tuned the code on."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.ingest import parse_file
from bot.models import Paper
from bot.summarize.extractive import ExtractiveSummarizer
from bot.summarize.rules import headline_violations, tldr_violations

pytestmark = pytest.mark.slow

PAGES = {
    # The contribution sentence gives the headline; the only other sentence opens with "Here, ".
    "one-contribution": (
        "Okafor et al. propose sparse rehearsal buffers in conjunction with frozen batch statistics as a remedy "
        "for forgetting in continual learning. Here, sparse rehearsal refers to replaying a handful of stored "
        "examples from earlier tasks at every tenth update."
    ),
    # The rest leans on a citation marker, a formula and a sequence word without a comma.
    "citations-and-formula": (
        "Varga et al. propose spectral dropout, a regularizer that drops the smallest singular directions of each "
        "weight matrix. Similar to the work by Mendes et al. [3], the aim is to bound the Lipschitz constant of the "
        "whole network one layer at a time. Then the training objective is L(W) = L_task(W) + μ ∑ σ_min(W)^2 where "
        "σ_min is the smallest singular value and μ weighs the penalty."
    ),
    # Figures and sections the reader cannot see, around claims worth keeping.
    "pointers": (
        "Brandt et al. propose GridProbe, a probing classifier for the spatial knowledge of vision transformers. "
        "In Figure 3, they show that probes trained on middle layers recover object positions far better than "
        "probes on the last layer. The gap widens for small objects (see Table 2). The probe costs little to "
        "train; see section 4 for the exact schedule."
    ),
    # A reviewer who talks about themselves around the paper's claims.
    "first-person": (
        "In my opinion, the main contribution is a cheap test for label noise that needs no clean validation set. "
        "I think the test is simple: a small network is trained twice with different seeds and the examples both "
        "runs disagree on are flagged. The detector finds the most mislabelled images that I am aware of on "
        "the noisy web benchmarks."
    ),
    # Nothing but a bullet list; one item is cut before its sub-list, one is a heading.
    "bullet-list": (
        "Presents a recurrent unit named LoopCell • It gates the hidden state with • 2x2 grouped projections • "
        "a learned decay • Advantages: • Fewer multiplications than a gated recurrent unit of the same width • "
        "Trains stably without gradient clipping on long sequences • Matches LSTM perplexity on character models"
    ),
    # Nothing but labelled links.
    "link-list": (
        "Code: https://github.com/example/loopcell https://github.com/example/loopcell-jax "
        "Slides: https://example.org/talks/loopcell.pdf Video: https://www.youtube.com/watch?v=abc123"
    ),
    # First person that is not the reviewer's: the reasoning the paper gives its agent.
    "voiced-reasoning": (
        "The planner they build tells the assistant to reason as follows: 1. The user wrote me an instruction, chosen "
        "to get me to do what they want. 2. So I should prefer readings that lead to that behaviour. This amounts "
        "to planning followed by inference on the plan; see section 3 of the paper."
    ),
    # A plus inside a formula is not a bullet; "In experiments, they show" names the authors.
    "formula-plus": (
        "Iwata et al. introduce a certified defense for graph classifiers under edge flips. They bound the change "
        "of the readout f(x + r) for any perturbation r with at most k flipped edges. In experiments, they show that "
        "the certificate holds for a third of the test graphs at k = 5."
    ),
}


@pytest.fixture(scope="module")
def papers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Paper]:
    page = tmp_path_factory.mktemp("pages") / "page-synthetic.txt"
    page.write_text("".join(f"[link]\n{text}\n\n" for text in PAGES.values()), encoding="utf-8")
    parsed = [record for record in parse_file(Path(page)) if isinstance(record, Paper)]
    assert len(parsed) == len(PAGES)
    return dict(zip(PAGES, parsed, strict=True))


@pytest.fixture(scope="module")
def tldrs(papers: dict[str, Paper], extractive: ExtractiveSummarizer) -> dict[str, str]:
    made = extractive.summarize_batch([p.text for p in papers.values()], [p.headline for p in papers.values()])
    return dict(zip(papers, made, strict=True))


@pytest.mark.parametrize("shape", PAGES)
def test_headline_and_tldr_follow_every_rule(shape: str, papers: dict[str, Paper], tldrs: dict[str, str]) -> None:
    paper, tldr = papers[shape], tldrs[shape]
    assert headline_violations(paper.headline) == [], paper.headline
    assert tldr_violations(tldr, headline=paper.headline, source=paper.text) == [], (paper.headline, tldr)


def test_a_lone_contribution_sentence_is_not_shown_twice(papers: dict[str, Paper], tldrs: dict[str, str]) -> None:
    for shape in ("one-contribution", "citations-and-formula", "pointers", "formula-plus"):
        assert "propose" not in tldrs[shape] and "introduce" not in tldrs[shape], tldrs[shape]
    assert tldrs["one-contribution"].startswith("Sparse rehearsal refers to replaying")


def test_pointers_and_asides_are_cut_out_and_the_claim_kept(tldrs: dict[str, str]) -> None:
    assert "The authors show that probes trained on middle layers" in tldrs["pointers"]
    assert "The test is simple: a small network is trained twice" in tldrs["first-person"]
    assert "my opinion" not in tldrs["first-person"] and "I think" not in tldrs["first-person"]
    assert "[3]" not in tldrs["citations-and-formula"]


def test_an_agent_s_reasoning_names_the_agent(tldrs: dict[str, str]) -> None:
    assert "The user wrote the assistant an instruction" in tldrs["voiced-reasoning"]
    assert " me " not in tldrs["voiced-reasoning"] and "section 3" not in tldrs["voiced-reasoning"]


def test_lists_become_sentences(tldrs: dict[str, str]) -> None:
    assert "•" not in tldrs["bullet-list"] and tldrs["bullet-list"].endswith(".")
    assert tldrs["link-list"] == "Links to code, slides and video."
    assert "f(x + r)" in tldrs["formula-plus"] or "the authors show" in tldrs["formula-plus"]
