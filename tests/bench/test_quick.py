"""Every bench/ script runs in its --quick mode, so a broken bench fails the suite instead of rotting.

Each runs as `python -m bench.<name> --quick` in a subprocess, as a person would run it; two at a time (the benches wait
on fake servers and child processes much of the time), slowest first, started together when the first of these tests
runs. Deselect them with `-m "not bench"`.
"""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

import bench
from testing.corpus import corpus_dir, has_corpus

pytestmark = pytest.mark.bench

REPO = Path(__file__).resolve().parents[2]
# The fixture that skips (or fails on CI) without what the bench needs.
NEEDS = {"schedule": "postgres_url", "summarize": "corpus_dir", "retrieval": "corpus_dir"}
# Roughly how long each takes, so the slowest go first.
SECONDS = {"schedule": 40, "summarize": 30, "retrieval": 30, "fanout_slack": 10, "search": 8, "selection": 7}
TIMEOUT_S = 240  # a hung bench fails its test instead of stalling the suite


def _benches() -> list[str]:
    """Every bench script: the modules of bench/ (a leading underscore marks a helper module, not a bench)."""
    names = [module.name for module in pkgutil.iter_modules(bench.__path__) if not module.name.startswith("_")]
    return sorted(names, key=lambda name: -SECONDS.get(name, 0))


def _runnable(name: str) -> bool:
    """Whether what the bench needs is here; where not, its test skips (or fails on CI) through the fixture."""
    if NEEDS.get(name) == "postgres_url":
        return bool(os.environ.get("PAPERBOT_TEST_POSTGRES_URL"))
    if NEEDS.get(name) == "corpus_dir":
        return has_corpus(corpus_dir())
    return True


def _run(name: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    return subprocess.run(
        [sys.executable, "-m", f"bench.{name}", "--quick"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )


@pytest.fixture(scope="module")
def quick_runs(request: pytest.FixtureRequest) -> Iterator[dict[str, Future[subprocess.CompletedProcess[str]]]]:
    """Start the selected benches' quick runs, two at a time; each test waits for its own."""
    selected = {
        item.callspec.params["name"]
        for item in request.session.items
        if item.module is request.module and hasattr(item, "callspec")
    }
    with ThreadPoolExecutor(max_workers=2) as pool:
        yield {name: pool.submit(_run, name) for name in _benches() if name in selected and _runnable(name)}


@pytest.mark.parametrize("name", _benches())
def test_bench_runs_quick(
    name: str, quick_runs: dict[str, Future[subprocess.CompletedProcess[str]]], request: pytest.FixtureRequest
) -> None:
    if name in NEEDS:
        request.getfixturevalue(NEEDS[name])
    done = quick_runs[name].result()
    assert done.returncode == 0, f"python -m bench.{name} --quick exited {done.returncode}:\n{done.stderr[-3000:]}"
    assert done.stdout.strip(), f"bench.{name} printed no numbers"
