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
