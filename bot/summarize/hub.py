"""Download a summarization model once, on a machine with internet, so the bot can load it offline later."""

from __future__ import annotations

import logging
from pathlib import Path

from bot.errors import ModelNotFoundError

log = logging.getLogger(__name__)

# What transformers needs to load a model and its tokenizer; other formats (ONNX, TF, Flax) are skipped.
_FILES = ["*.json", "*.txt", "*.model", "*.tiktoken", "*.safetensors"]
_LEGACY_WEIGHTS = ["pytorch_model*.bin"]


def fetch_model(name: str, dest: Path | None = None) -> Path:
    """Download hub model `name` into `dest` (default: the Hugging Face cache, where the bot looks) and return it."""
    from huggingface_hub import snapshot_download

    local_dir = str(dest) if dest is not None else None
    try:
        path = Path(snapshot_download(repo_id=name, local_dir=local_dir, allow_patterns=_FILES))
        if not any(path.glob("*.safetensors")):  # older repositories only ship PyTorch pickles
            path = Path(snapshot_download(repo_id=name, local_dir=local_dir, allow_patterns=_LEGACY_WEIGHTS))
    except (OSError, ValueError) as exc:
        log.debug("cannot fetch %s: %s", name, exc)
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelNotFoundError(f"cannot download summarization model '{name}': {reason}") from None
    log.info("model %s is at %s", name, path)
    return path
