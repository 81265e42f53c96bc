"""`similar` by subject: a paper's vector is its whole text (and a real title), never a derived headline's style.

The small corpus pairs subjects with headline styles across them: each exploration paper's derived headline reads like
a detection paper's, and the subject words sit past the opening too, where a vector of the first 256 tokens never
looked. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import numpy as np
import pytest

from app.parts import semantic_index
from bot.models import Paper
from bot.selection.documents import CHUNK_WORDS, paper_chunks
from bot.selection.semantic import model_key
from storage.sql_store import SqlStore
from tests.storage.conftest import paper

FILLER = "The authors describe their setup, the baselines and the compute budget in detail. " * 30
EXPLORATION = [
    "an agent earns a bonus for visiting states it has rarely seen, counting visits with a density model",
    "curiosity drives the agent: the error of its forward model is an intrinsic reward for novel observations",
    "noisy weights in the policy network make the agent try new actions in sparse-reward games",
]
DETECTION = [
    "a region proposal network shares convolutional features with a detector that draws bounding boxes",
    "position-sensitive score maps let a fully convolutional detector localize objects in one pass",
    "a single-shot detector predicts boxes and classes from feature maps at several scales",
]


def _papers() -> list[Paper]:
    """The first exploration paper's derived headline is worded like the detection papers'; the other exploration
    papers' headlines are worded otherwise: headline style and subject disagree."""
    styles = ["This paper is about a new idea", "We look at a method", "We look at a method", *["This paper is"] * 3]
    made = []
    for n, (topic, style) in enumerate(zip([*EXPLORATION, *DETECTION], styles, strict=True)):
        text = f"{FILLER} In short, {topic}. {FILLER} Again: {topic}."
        made.append(paper(n + 1, f"{style} {n}", text, derived_headline=True))
    return made


def test_a_derived_headline_never_enters_the_vector_and_a_real_title_does() -> None:
    derived = paper(1, "This paper shows", "word " * (CHUNK_WORDS * 2 + 1), derived_headline=True)
    assert paper_chunks(derived)[0] != "This paper shows" and len(paper_chunks(derived)) == 3
    titled = paper(2, "Count-based exploration", "Short text.")
    assert paper_chunks(titled) == ["Count-based exploration", "Short text."]


@pytest.mark.slow
async def test_similar_lists_same_subject_papers_first(store: SqlStore, encoder) -> None:
    papers = _papers()
    await store.papers.add_papers(papers)
    index = semantic_index(store, encoder)
    assert await index.embed_pending() == len(papers)
    for seed, same in ((papers[0], papers[:3]), (papers[3], papers[3:])):
        near = [pid for pid, _ in await index.similar(seed.id, 5)]
        assert set(near[:2]) == {p.id for p in same if p.id != seed.id}, near


@pytest.mark.slow
async def test_a_new_recipe_re_embeds_every_paper_once(store: SqlStore, encoder) -> None:
    papers = _papers()[:2]
    await store.papers.add_papers(papers)
    old = model_key(encoder).replace("-chunkmean3", "-chunkmean2")  # vectors an older release stored
    await store.embeddings.add_embeddings(old, {p.id: np.ones(384, dtype=np.float32).tobytes() for p in papers})
    progress: list[tuple[int, int]] = []
    assert await semantic_index(store, encoder).embed_pending(on_progress=lambda *step: progress.append(step)) == 2
    assert progress[-1] == (2, 2)
    assert await semantic_index(store, encoder).embed_pending() == 0, "a restart embeds nothing again"
