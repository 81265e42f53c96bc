"""The ONNX Runtime path: same sentences as torch, exported once and reused, torch when onnxruntime is missing."""

from __future__ import annotations

import builtins
from pathlib import Path

import numpy as np
import pytest

from bot.summarize import onnx_runtime
from bot.summarize.embedding import SentenceEncoder
from bot.summarize.extractive import ExtractiveSummarizer

pytestmark = pytest.mark.slow

needs_ort = pytest.mark.skipif(not onnx_runtime.available(), reason="onnxruntime is not installed")


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@needs_ort
def test_onnx_and_torch_choose_the_same_sentences(corpus_texts: list[str], onnx_cache: Path) -> None:
    texts = corpus_texts[::15]
    onnx = ExtractiveSummarizer(backend="onnx", quantize=False)
    onnx.encoder.cache_dir = onnx_cache
    torch = ExtractiveSummarizer(backend="torch", quantize=False)
    assert onnx.summarize_batch(texts) == torch.summarize_batch(texts)
    assert onnx.encoder._onnx is not False and torch.encoder._onnx is False
    assert onnx.version == torch.version  # same algorithm, same summaries: the cache stays valid


@needs_ort
def test_embeddings_match_torch_closely(onnx_cache: Path) -> None:
    sentences = ["A short one here.", "A somewhat longer sentence about graph neural networks and their training."]
    onnx = SentenceEncoder(backend="onnx", cache_dir=onnx_cache).encode(sentences)
    torch = SentenceEncoder(backend="torch").encode(sentences)
    assert onnx.shape == torch.shape == (2, 384)
    np.testing.assert_allclose(onnx, torch, atol=1e-5)


@needs_ort
def test_export_is_cached_and_reused(onnx_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    encoder = SentenceEncoder(backend="onnx", cache_dir=onnx_cache)
    path = onnx_runtime.exported_model(encoder.model_path, onnx_cache)
    assert path.parent == onnx_cache and path.suffix == ".onnx"
    assert list(onnx_cache.iterdir()) == [path]  # no partial files left behind
    stamp = path.stat().st_mtime_ns

    def no_export(*args: object) -> None:
        raise AssertionError("exported again")

    monkeypatch.setattr(onnx_runtime, "_export", no_export)
    assert onnx_runtime.exported_model(encoder.model_path, onnx_cache) == path
    assert encoder.encode(["The cached graph is loaded. It is not exported again."]).shape == (1, 384)
    assert path.stat().st_mtime_ns == stamp


def test_cache_key_follows_the_weights(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "model.safetensors").write_bytes(b"a" * 10)
    before = onnx_runtime.weights_digest(tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"b" * 10)  # same size, other weights
    assert onnx_runtime.weights_digest(tmp_path) != before


def test_missing_onnxruntime_falls_back_to_torch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real_import = builtins.__import__

    def without_ort(name: str, *args: object, **kwargs: object) -> object:
        if name == "onnxruntime" or name.startswith("onnxruntime."):
            raise ImportError("No module named 'onnxruntime'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_ort)
    assert not onnx_runtime.available()
    encoder = SentenceEncoder(cache_dir=tmp_path, quantize=True)
    assert encoder.precision == "fp32"  # int8 runs on ONNX Runtime only, unless torch's is asked for
    vectors = encoder.encode(["Embedding still works. It runs on torch instead."])
    assert vectors.shape == (1, 384) and encoder._onnx is False
    assert not list(tmp_path.iterdir())  # nothing exported


def test_a_failing_export_falls_back_to_torch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def broken(model_path: Path, dest: Path) -> None:
        dest.write_bytes(b"half a graph")
        raise RuntimeError("exporter moved")

    monkeypatch.setattr(onnx_runtime, "available", lambda: True)
    monkeypatch.setattr(onnx_runtime, "_export", broken)
    encoder = SentenceEncoder(cache_dir=tmp_path)
    assert encoder.encode(["Torch takes over. The summary is the same."]).shape == (1, 384)
    assert encoder._onnx is False
    assert not list(tmp_path.iterdir())  # the partial file is removed
    with pytest.raises(RuntimeError, match="exporter moved"):
        SentenceEncoder(backend="onnx", cache_dir=tmp_path).encode(["Asked for ONNX explicitly. It fails loudly."])


def test_token_budget_batches_keep_long_sentences_apart() -> None:
    encoder = SentenceEncoder(batch_size=64, max_batch_tokens=100)
    ids = [[0] * n for n in (50, 40, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10)]
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]), reverse=True)
    batches = encoder._batches(order, ids)
    assert [len(b) for b in batches] == [2, 10, 1]
    assert sorted(i for b in batches for i in b) == list(range(len(ids)))
    with pytest.raises(ValueError, match="backend"):
        SentenceEncoder(backend="tpu")


@needs_ort
def test_runs_per_core_embed_like_one_run_at_a_time(onnx_cache: Path) -> None:
    sentences = [f"Sentence number {n} talks about {'deep ' * (n % 7)}networks." for n in range(300)]
    parallel = SentenceEncoder(backend="onnx", cache_dir=onnx_cache, workers=2, max_batch_tokens=256)
    serial = SentenceEncoder(backend="onnx", cache_dir=onnx_cache, workers=1, max_batch_tokens=256)
    assert len(parallel._batches(list(range(300)), [[0] * 12] * 300)) > 2
    np.testing.assert_allclose(parallel.encode(sentences), serial.encode(sentences), atol=1e-5)
