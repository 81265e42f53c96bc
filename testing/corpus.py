"""Where the shared ShortScience corpus is: tests and benches read it from there and never copy its text."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def corpus_dir() -> Path:
    """PAPERBOT_CORPUS_DIR, else ../shared/corpus/shortscience beside the checkout."""
    return Path(os.environ.get("PAPERBOT_CORPUS_DIR", REPO.parent / "shared" / "corpus" / "shortscience"))


def has_corpus(folder: Path) -> bool:
    return folder.is_dir() and any(folder.glob("*.txt"))
