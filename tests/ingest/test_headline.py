"""derive_headline and derive_authors on hand-written openings in the styles summaries use."""

from __future__ import annotations

import pytest

from bot.ingest.headline import FALLBACK_HEADLINE, MAX_HEADLINE, derive_authors, derive_headline, fit_title
from bot.summarize.rules import headline_violations


def test_author_lead_in_is_stripped_and_named_method_leads() -> None:
    text = (
        "Doe et al. introduce FOG-NET, a convolutional network (CNN) trained to remove sensor noise from radar "
        "images of clouds before classification. In detail, the network is small."
    )
    headline = derive_headline(text)
    assert headline == "FOG-NET, a convolutional network (CNN) trained to remove sensor noise"  # cut at a clause
    assert headline_violations(headline) == []


def test_title_metadata_wins() -> None:
    text = "# Metadata * **Title**: A Study of Small Things * **Authors**: Ann Lee, Bo Park * **Link**: https://x.org"
    assert derive_headline(text) == "A Study of Small Things"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("This paper proposes a tiny method for sorting socks. It works.", "Tiny method for sorting socks"),
        ("In this paper, the authors present a benchmark for robots. More text.", "Benchmark for robots"),
        ("The authors study robustness of tiny models. More.", "Robustness of tiny models"),
        ("They describe a model to count birds. • It is fast.", "Model to count birds"),
        ("Smith and Jones show that pruning helps small models. More.", "Pruning helps small models"),
        ("Lee et al. propose to prune early. More.", "Prune early"),
        ("## Task Detect cats in photos. ## Method Count whiskers.", "Detect cats in photos"),
        ("_Objective:_ Find a better loss: details follow. More.", "Find a better loss: details follow"),
        ("*Note: This is a review of both SkipNets and HopNets.* # Intro", "SkipNets and HopNets"),
        ("This work deals with rotation invariant filters. More.", "Rotation invariant filters"),
        (
            "This system called Zap2Vec learns embeddings of shop receipts. More.",
            "Zap2Vec learns embeddings of shop receipts",
        ),
        ("Presents a planner dubbed HopPlan • Modules", "HopPlan: a planner"),
        ("Kim et al. propose a white-box attack on tiny sensors. More.", "White-box attack on tiny sensors"),
        ("https://video.example/watch?v=1 • They present a hierarchical planner. • More", "Hierarchical planner"),
        ("Pruned Trees **Summary**: this paper grows small forests from seeds", "Pruned Trees"),
        (
            "Adversarial examples are inputs designed to fool a classifier. More.",
            "Adversarial examples are inputs designed to fool a classifier",
        ),
    ],
)
def test_lead_ins_are_stripped(text: str, expected: str) -> None:
    assert derive_headline(text) == expected


def test_later_contribution_sentence_is_preferred_over_scene_setting() -> None:
    text = "Most planners assume a static world. This paper proposes DYNA-X, a planner that models moving obstacles."
    assert derive_headline(text) == "DYNA-X, a planner that models moving obstacles"


def test_abbreviations_do_not_end_the_first_sentence() -> None:
    text = "Wu et al. study attacks, e.g. patches, on detectors. Second sentence here."
    assert derive_headline(text) == "Attacks, e.g. patches, on detectors"


@pytest.mark.parametrize("text", ["x" * 500, "word " * 200, "Lee et al. propose " + "a" * 300])
def test_length_is_capped(text: str) -> None:
    assert 1 <= len(derive_headline(text)) <= MAX_HEADLINE


@pytest.mark.parametrize(
    "text",
    [
        "This is an interestingly pragmatic paper that makes a super simple observation. Swapout mixes dropout and "
        "stochastic depth by sampling each unit's output from the identity, the layer, or their sum.",
        "Usually GANs transform a noise vector z into images. This is changed to G(z, c), where c is a code.",
        "I'll admit that I found this paper a bit of a letdown. The authors propose HopNet, a sparse network.",
        "TL;DR: we show that pruning early helps tiny models generalize. Background: pruning is common.",
        '"Is this real?" asks the reviewer. Gradient noise injection makes deep networks easier to train.',
        "In the years before this paper came out in 2017, many graph convolution architectures had been suggested "
        "for learning representations of molecules, each with its own design choices and datasets to test them on.",
        "Kim et al. introduce a remarkably long and winding description of a new attention mechanism, which "
        "routes tokens to experts by a learned hash and then mixes their outputs with a gate.",
    ],
)
def test_derived_headlines_read_like_titles(text: str) -> None:
    headline = derive_headline(text)
    assert headline_violations(headline) == [], headline
    assert not headline.endswith(("…", "."))


def test_long_source_titles_keep_the_main_title() -> None:
    title = "Swapout: Learning an ensemble of deep architectures by sampling, averaging and generalizing every layer"
    shown = fit_title(title)
    assert title.startswith(shown) and len(shown) <= MAX_HEADLINE and headline_violations(shown) == []
    assert fit_title("Short title") == "Short title"


@pytest.mark.parametrize("text", ["", "   ", "$$", "![](x.png)", "https://i.imgur.com/a.png |", "**", "• • •"])
def test_never_empty(text: str) -> None:
    assert derive_headline(text) == FALLBACK_HEADLINE


def test_already_clean_text_can_skip_cleaning() -> None:
    assert derive_headline("They describe a model to count birds.", is_clean=True) == "Model to count birds"


def test_no_math_dollar_in_headline() -> None:
    assert derive_headline(r"Bounding the $\ell_2$ norm of $x$ cheaply.") == "Bounding the ℓ_2 norm of x cheaply"


def test_a_headline_that_would_read_as_prose_falls_back() -> None:
    assert derive_headline("We think they reason as follows: see above.") == "Untitled summary"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Shen et al. introduce a network.", ("Shen et al.",)),
        ("Munoz-Gonzalez et al. propose an attack.", ("Munoz-Gonzalez et al.",)),
        ("Hermann et al (2015) created a dataset.", ("Hermann et al.",)),
        ("Tramèr et al. study ensembles.", ("Tramèr et al.",)),
        ("Carlini and Wagner show that distillation fails.", ("Carlini", "Wagner")),
        ("Ross and Doshi-Velez propose regularization.", ("Ross", "Doshi-Velez")),
        ("Generative and Discriminative models are compared.", ()),
        ("The authors propose a model.", ()),
        ("", ()),
    ],
)
def test_derive_authors(text: str, expected: tuple[str, ...]) -> None:
    assert derive_authors(text) == expected


def test_formula_symbols_never_become_the_headline() -> None:
    text = (
        "Years ago deep nets became residual. Rather than g1 = a1(x) g2 = a2(g1) g3 = a3(g2), they compute "
        "g1 = a1(x) + x g2 = a2(g1) + g1 g3 = a3(g2) + g2 where a1, a2 are layers. We saw that this is an ODE "
        "solver. We call it an ODE net."
    )
    headline = derive_headline(text)
    assert headline_violations(headline) == [], headline
    assert headline.split()[0].lower() not in {"g1", "g2", "g3", "a1", "a2"}


def test_a_phrase_that_breaks_a_rule_only_in_its_tail_keeps_its_clean_start() -> None:
    text = "Kim et al. report measurements of cache misses on mobile phones, i.e. after compiling them."
    assert derive_headline(text) == "Measurements of cache misses on mobile phones"
