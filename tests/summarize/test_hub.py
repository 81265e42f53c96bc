"""Fetching a model without a network fails with one line, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ModelNotFoundError
from bot.summarize.hub import fetch_model


@pytest.mark.parametrize("into_folder", [False, True])
def test_fetch_offline_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, into_folder: bool) -> None:
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)  # never touch the network, even where there is one
    with pytest.raises(ModelNotFoundError) as caught:
        fetch_model("acme/no-such-model-for-paperbot", tmp_path / "model" if into_folder else None)
    message = str(caught.value)
    assert "\n" not in message
    assert "acme/no-such-model-for-paperbot" in message
    assert caught.value.__suppress_context__


def test_a_gguf_reference_fetches_that_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import huggingface_hub

    from bot.summarize.hub import local_model_ref

    asked: list[tuple[str, list[str]]] = []

    def fake_download(repo_id: str, local_dir: str | None, allow_patterns: list[str]) -> str:
        asked.append((repo_id, allow_patterns))
        return str(tmp_path)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_download)
    path = fetch_model("acme/smol-GGUF::smol.Q4_1.gguf")
    assert asked == [("acme/smol-GGUF", ["*.json", "smol.Q4_1.gguf"])]
    assert local_model_ref("acme/smol-GGUF::smol.Q4_1.gguf", path) == f"{tmp_path}::smol.Q4_1.gguf"
