"""Sentence repairs: what a TL;DR reader cannot follow is cut out, the claim around it stays word for word."""

from __future__ import annotations

import pytest

from bot.summarize.repair import link_list, repair, speak_as
from bot.summarize.rules import in_source_order, sentence_problems


@pytest.mark.parametrize(
    ("sentence", "repaired"),
    [
        (
            "Similar to Hein et al. [1], the idea is to bound the norm.",
            "Similar to Hein et al., the idea is to bound the norm.",
        ),
        ("In Figure 1, they show the gap between the two models.", "The authors show the gap between the two models."),
        ("The gap widens for small objects (see Table 2).", "The gap widens for small objects."),
        ("The probe is cheap to train; see section 4 for details.", "The probe is cheap to train."),
        ("In my opinion, the model is elegant and fast.", "The model is elegant and fast."),
        ("The model achieves the best results that I am aware of.", "The model achieves the best results."),
        ("Then the resulting loss is a sum of two terms.", "The resulting loss is a sum of two terms."),
        ("Here, sparse coding means few active units.", "Sparse coding means few active units."),
    ],
)
def test_removable_parts_go_and_the_sentence_stands_alone(sentence: str, repaired: str) -> None:
    assert repair(sentence) == repaired
    assert sentence_problems(repaired, first=True) == []
    assert in_source_order([repaired], sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "The attack proposed in [1] assumes full access to the model.",  # the citation is the sentence's noun
        "Here, x is the input and y its label.",  # a symbol needs the context "Here" points at
        "I liked this paper a lot.",  # not an aside: the whole sentence is the reviewer's
    ],
)
def test_what_cannot_be_cut_out_keeps_the_sentence_out(sentence: str) -> None:
    assert sentence_problems(repair(sentence), first=True) != []


def test_an_agent_s_reasoning_is_named_but_a_reviewer_s_is_not() -> None:
    sentences = ["The method tells the robot to reason as follows:", "The human gave me a goal.", "So I should act."]
    assert speak_as(sentences)[1:] == ["The human gave the robot a goal.", "So the robot should act."]
    assert speak_as(["The human gave me a goal."]) == ["The human gave me a goal."]


def test_a_labelled_link_list_is_said_in_one_sentence() -> None:
    assert (
        link_list("Code: https://github.com/a/b Paper page: https://example.org/x") == "Links to code and paper page."
    )
    assert link_list("https://i.imgur.com/abc.png") is None
