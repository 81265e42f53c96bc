"""Run the sentence encoder with ONNX Runtime: ~20% less CPU than torch for the same embeddings (to ~1e-6).

The model is exported from torch once and cached on disk, keyed by a hash of its config and weights, so later
processes load it without importing torch at all. onnxruntime is optional: `available()` tells callers to fall back.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

OPSET = 17
EXPORT_FORMAT = "1"  # bump when the exported graph changes (inputs, outputs, pooling), so old files are not reused

_lock = threading.Lock()
_sessions: dict[tuple[str, int], Any] = {}


def available() -> bool:
    """Tell whether onnxruntime can be imported (it is optional; torch is the fallback)."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def default_cache_dir() -> Path:
    """Return where exported models live: the user cache dir, shared by every process of this user."""
    from platformdirs import user_cache_path

    return user_cache_path("paperbot") / "onnx"


def weights_digest(model_path: Path) -> str:
    """Hash config and weights by content (not size, as the summary cache does): a stale graph must never load."""
    digest = hashlib.sha256(f"{EXPORT_FORMAT}:{OPSET}".encode())
    weights = sorted(model_path.glob("*.safetensors")) + sorted(model_path.glob("*.bin"))
    for path in [model_path / "config.json", *weights]:
        with path.open("rb") as file:
            digest.update(path.name.encode())
            digest.update(hashlib.file_digest(file, "sha256").digest())
    return digest.hexdigest()[:16]


def exported_model(model_path: Path, cache_dir: Path | None = None) -> Path:
    """Return the cached .onnx file for `model_path`, exporting it first if no process has yet."""
    folder = cache_dir if cache_dir is not None else default_cache_dir()
    target = folder / f"{model_path.name}-{weights_digest(model_path)}.onnx"
    return _cached(target, lambda dest: _export(model_path, dest))


def quantized_model(model_path: Path, cache_dir: Path | None = None) -> Path:
    """Return the cached int8 graph for `model_path` (beside the fp32 export), quantizing it first if needed."""
    from bot.summarize import quantize

    fp32 = exported_model(model_path, cache_dir)
    target = fp32.with_name(f"{fp32.stem}-int8r{quantize.QUANT_FORMAT}.onnx")
    return _cached(target, lambda dest: quantize.quantize_rowwise(fp32, dest))


def can_quantize() -> bool:
    """Tell whether the int8 graph can be built here: it needs onnxruntime and the `onnx` package to edit graphs."""
    import importlib.util

    return available() and importlib.util.find_spec("onnx") is not None


def _cached(target: Path, build: Callable[[Path], object]) -> Path:
    """Return `target`, building it first if it is missing; written to a temporary name, then renamed atomically."""
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            build(partial)
            os.replace(partial, target)  # atomic: a concurrent process sees no file or a whole one
        finally:
            partial.unlink(missing_ok=True)
        log.info("wrote %s", target)
    return target


def session(onnx_path: Path, threads: int) -> Any:
    """Return an ONNX Runtime session for `onnx_path`, created once per process and thread count."""
    key = (str(onnx_path), threads)
    with _lock:
        if key not in _sessions:
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL  # fuses MatMul+Add, GELU
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1  # the graph is a chain: parallel branches would only add overhead
            options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            _sessions[key] = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        return _sessions[key]


def embed(onnx_session: Any, input_ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Return the unit-length, mean-pooled embeddings of one padded batch."""
    return onnx_session.run(None, {"input_ids": input_ids, "attention_mask": mask})[0]


def _export(model_path: Path, dest: Path) -> None:
    """Export MiniLM with pooling and normalization inside the graph, so the runtime returns embeddings directly.

    Eager attention exports to plain MatMul/Softmax that ORT fuses; the SDPA graph carries NaN guards it does not.
    """
    import torch
    from transformers import AutoModel

    from bot.summarize.pooling import mean_pool

    model = AutoModel.from_pretrained(str(model_path), local_files_only=True, attn_implementation="eager").eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            return mean_pool(hidden, attention_mask)

    example = (torch.ones((2, 16), dtype=torch.long), torch.ones((2, 16), dtype=torch.long))
    tokens = {0: "batch", 1: "tokens"}
    axes = {"input_ids": tokens, "attention_mask": tokens, "embedding": {0: "batch"}}
    with torch.no_grad(), warnings.catch_warnings(), _without_onnx_package():
        warnings.simplefilter("ignore")  # tracer warnings about shape-dependent Python branches, expected here
        torch.onnx.export(
            Pooled(),
            example,
            str(dest),
            input_names=["input_ids", "attention_mask"],
            output_names=["embedding"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,  # the TorchScript exporter: the dynamo one needs onnxscript
        )


@contextlib.contextmanager
def _without_onnx_package() -> Iterator[None]:
    """Let the TorchScript exporter run without the `onnx` package, which it only needs for onnxscript functions.

    It round-trips the finished graph through `onnx` to add custom onnxscript functions; a plain model has none, so
    the bytes pass through unchanged. If torch moves this helper, the export fails and callers fall back to torch.
    """
    import importlib.util

    if importlib.util.find_spec("onnx") is not None:
        yield
        return
    from torch.onnx._internal.torchscript_exporter import onnx_proto_utils

    original = onnx_proto_utils._add_onnxscript_fn
    onnx_proto_utils._add_onnxscript_fn = lambda model_bytes, custom_opsets: model_bytes
    try:
        yield
    finally:
        onnx_proto_utils._add_onnxscript_fn = original
