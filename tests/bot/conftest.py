"""CLI fixtures: a CliRunner in a fresh folder with its own SQLite store."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner


@pytest.fixture
def runner(tmp_path, monkeypatch, columns) -> CliRunner:
    """Commands run in `tmp_path` against a store there, with wide output so table cells are not wrapped."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PAPERBOT_DATABASE__URL", f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}")
    columns(200)
    return CliRunner()
