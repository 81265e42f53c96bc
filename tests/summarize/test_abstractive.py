"""The abstractive summarizer end to end on a tiny random BART: batching, chunking, order, limits, missing models."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError, ModelNotFoundError
from bot.summarize.abstractive import AbstractiveSummarizer
from bot.summarize.extractive import ExtractiveSummarizer
from bot.summarize.factory import build_summarizer
from testing.tiny_models import SEQ2SEQ_TEXT


async def test_summarizes_a_batch_with_chunking_in_order(tiny_seq2seq: Path) -> None:
    summarizer = AbstractiveSummarizer(str(tiny_seq2seq), max_words=12, batch_size=2, max_input_tokens=48)
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_seq2seq), local_files_only=True)
    long_text = " ".join([SEQ2SEQ_TEXT] * 6)
    assert len(tokenizer(long_text)["input_ids"]) > 3 * 48  # several windows, so map and reduce both run
    texts = ["The model reads the abstract.", long_text, "", "Results suggest that attention helps."]

    out = await summarizer.summarize(texts)

    assert len(out) == len(texts)
    assert out[2] == ""
    assert len({out[0], out[1], out[3]}) == 3  # the random model's output depends on its input, so order shows
    for text in (out[0], out[1], out[3]):
        assert text.strip()
        assert len(text.split()) <= 12
    alone = [await summarizer.summarize([text]) for text in texts]
    assert out == [summary[0] for summary in alone]  # batching and length sorting keep each text's own summary


async def test_name_and_version_identify_the_model(tiny_seq2seq: Path, tmp_path: Path) -> None:
    summarizer = AbstractiveSummarizer(str(tiny_seq2seq))
    assert summarizer.name == f"abstractive:{tiny_seq2seq}"
    assert summarizer.version == AbstractiveSummarizer(str(tiny_seq2seq)).version

    other = tmp_path / "other"
    other.mkdir()
    config = (tiny_seq2seq / "config.json").read_text().replace('"d_model": 32', '"d_model": 64')
    (other / "config.json").write_text(config)
    assert AbstractiveSummarizer(str(other)).version != summarizer.version
    assert AbstractiveSummarizer(str(tiny_seq2seq), max_words=30).version != summarizer.version


@pytest.mark.parametrize("model", ["/nonexistent/summarizer", "acme/no-such-model-for-paperbot"])
async def test_missing_model_is_one_line_with_the_fix(model: str) -> None:
    summarizer = AbstractiveSummarizer(model)
    for attempt in (lambda: summarizer.version, lambda: summarizer.summarize_batch(["Some text here."])):
        with pytest.raises(ModelNotFoundError) as caught:
            attempt()
        message = str(caught.value)
        assert "\n" not in message
        assert f"paperbot model fetch {model}" in message
        assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_factory_builds_each_kind(tiny_seq2seq: Path) -> None:
    extractive = build_summarizer("extractive", None, max_words=40, batch_size=8, device="cpu")
    assert isinstance(extractive, ExtractiveSummarizer) and extractive.max_words == 40
    abstractive = build_summarizer("abstractive", str(tiny_seq2seq), max_words=40, batch_size=4, device="cpu")
    assert isinstance(abstractive, AbstractiveSummarizer) and abstractive.batch_size == 4


@pytest.mark.parametrize(("kind", "model"), [("abstractive", None), ("generative", None)])
def test_factory_rejects_bad_config_in_one_line(kind: str, model: str | None) -> None:
    with pytest.raises(ConfigError) as caught:
        build_summarizer(kind, model, max_words=60, batch_size=8, device="cpu")
    assert "\n" not in str(caught.value)
