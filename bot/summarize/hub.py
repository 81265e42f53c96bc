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
    """Download hub model `name` into `dest` (default: the Hugging Face cache, where the bot looks) and return it.

    "repo::file.gguf" fetches that one GGUF checkpoint (it carries its tokenizer) beside the repo's JSON files.
    """
    from huggingface_hub import snapshot_download

    from bot.summarize.instruct import split_model_ref

    repo, gguf_file = split_model_ref(name)
    local_dir = str(dest) if dest is not None else None
    try:
        if gguf_file:
            path = Path(snapshot_download(repo_id=repo, local_dir=local_dir, allow_patterns=["*.json", gguf_file]))
        else:
            path = Path(snapshot_download(repo_id=name, local_dir=local_dir, allow_patterns=_FILES))
        if not gguf_file and not any(path.glob("*.safetensors")):  # older repositories only ship PyTorch pickles
            path = Path(snapshot_download(repo_id=name, local_dir=local_dir, allow_patterns=_LEGACY_WEIGHTS))
    except (OSError, ValueError) as exc:
        log.debug("cannot fetch %s: %s", name, exc)
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelNotFoundError(f"cannot download summarization model '{name}': {reason}") from None
    log.info("model %s is at %s", name, path)
    return path


def local_model_ref(name: str, path: Path) -> str:
    """What summarizer.model is set to for a fetched model: its folder, with "::file.gguf" for a GGUF checkpoint."""
    from bot.summarize.instruct import GGUF_SEPARATOR, split_model_ref

    _, gguf_file = split_model_ref(name)
    return f"{path}{GGUF_SEPARATOR}{gguf_file}" if gguf_file else str(path)
