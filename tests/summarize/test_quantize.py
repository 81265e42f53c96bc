"""The int8 path: row-wise quantized graph, cached beside the fp32 export, summaries still drawn from the text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.summarize import onnx_runtime, quantize
from bot.summarize.embedding import SentenceEncoder
from bot.summarize.extractive import ExtractiveSummarizer
from tests.summarize.test_extractive import drawn_from

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not onnx_runtime.can_quantize(), reason="needs onnxruntime and the onnx package"),
]


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("int8-cache")


@pytest.fixture(scope="module")
def int8(onnx_cache: Path) -> ExtractiveSummarizer:
    summarizer = ExtractiveSummarizer(quantize=True)
    summarizer.encoder.cache_dir = onnx_cache
    return summarizer


def test_int8_is_the_default_and_keys_its_own_cache() -> None:
    default = ExtractiveSummarizer()
    assert default.encoder.precision == "int8-rows" and default.version.endswith(f"-q8r{quantize.QUANT_FORMAT}")
    assert ExtractiveSummarizer(quantize=True, backend="torch").encoder.precision == "int8-torch"


def test_int8_summaries_fit_the_budget_and_come_from_the_text(
    int8: ExtractiveSummarizer, corpus_texts: list[str]
) -> None:
    sample = corpus_texts[::10]
    summaries = int8.summarize_batch(sample)
    assert int8.encoder._onnx is not False and int8.encoder.precision == "int8-rows"
    for text, summary in zip(sample, summaries, strict=True):
        assert 0 < len(summary.split()) <= 60
        assert drawn_from(summary, text), summary


def test_int8_embeddings_stay_close_to_fp32_whatever_the_batch(onnx_cache: Path) -> None:
    sentences = [
        "We train a small network on images.",
        "The proposed attention mechanism reduces the cost of long sequences by a factor of four in our experiments.",
        "Results hold across three datasets.",
    ]
    together = SentenceEncoder(quantize=True, cache_dir=onnx_cache).encode(sentences)
    alone = np.concatenate([SentenceEncoder(quantize=True, cache_dir=onnx_cache).encode([s]) for s in sentences])
    fp32 = SentenceEncoder(cache_dir=onnx_cache).encode(sentences)
    assert np.all((together * fp32).sum(axis=1) > 0.98)
    np.testing.assert_allclose(together, alone, atol=1e-5)  # one scale per token: batch-mates do not matter


def test_quantized_graph_is_cached_and_reused(onnx_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model_path = SentenceEncoder().model_path
    path = onnx_runtime.quantized_model(model_path, onnx_cache)
    fp32 = onnx_runtime.exported_model(model_path, onnx_cache)
    assert path.parent == fp32.parent == onnx_cache and path.name.startswith(fp32.stem) and "int8" in path.name
    assert sorted(onnx_cache.iterdir()) == sorted([path, fp32])  # no partial files left behind
    stamp = path.stat().st_mtime_ns

    def no_quantize(*args: object) -> int:
        raise AssertionError("quantized again")

    monkeypatch.setattr(quantize, "quantize_rowwise", no_quantize)
    assert onnx_runtime.quantized_model(model_path, onnx_cache) == path
    encoder = SentenceEncoder(quantize=True, cache_dir=onnx_cache)
    assert encoder.encode(["The cached graph is loaded. It is not quantized again."]).shape == (1, 384)
    assert path.stat().st_mtime_ns == stamp


def test_rewrite_leaves_query_key_value_in_fp32(onnx_cache: Path, tmp_path: Path) -> None:
    import onnx

    fp32 = onnx_runtime.exported_model(SentenceEncoder().model_path, onnx_cache)
    assert quantize.quantize_rowwise(fp32, tmp_path / "q.onnx") == 18  # 6 layers x (attention out, FFN in, FFN out)
    ops = [node.op_type for node in onnx.load(str(tmp_path / "q.onnx")).graph.node]
    assert ops.count("MatMulIntegerToFloat") == 18 and ops.count("MatMul") == 6 * (3 + 2)  # Q, K, V, attention
