"""Fuzz targets: one decorator gives a hypothesis test its example budget and counts the examples it really ran.

`@fuzz("name")` goes above `@given` in place of `@settings`. It runs the test for `examples` examples (1,000 unless
told otherwise), fails the test when hypothesis ran fewer (a strategy whose space ran out tests less than it claims),
and records the count (pytest-xdist workers hand theirs to the controller); `pytest_terminal_summary` (this module is
a plugin, see tests/conftest.py) prints one line per target at the end of every run, so CI logs show how much fuzzing
really happened.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, settings

EXAMPLES = 1000
F = TypeVar("F", bound=Callable[..., Any])

ran: Counter[str] = Counter()  # examples run per target in this session
wanted: dict[str, int] = {}


def fuzz(target: str, examples: int = EXAMPLES) -> Callable[[F], F]:
    """Run the @given test below as fuzz target `target` for `examples` examples, and count them."""

    def decorate(test: F) -> F:
        handle = getattr(test, "hypothesis", None)
        if handle is None:
            raise TypeError(f"@fuzz({target!r}) goes above @given")
        inner = handle.inner_test

        @functools.wraps(inner)
        def counted(*args: Any, **kwargs: Any) -> Any:
            result = inner(*args, **kwargs)
            ran[target] += 1  # after the call: an example assume() rejects does not count, as in hypothesis
            return result

        handle.inner_test = counted  # hypothesis calls the handle's inner test for each example
        budget = settings(
            max_examples=examples,
            deadline=None,  # CI machines are slow and noisy; a hang is caught by pytest-timeout instead
            suppress_health_check=[
                HealthCheck.too_slow,
                HealthCheck.data_too_large,
                HealthCheck.filter_too_much,
                HealthCheck.function_scoped_fixture,
                HealthCheck.large_base_example,
            ],
        )(test)
        wanted[target] = max(wanted.get(target, 0), examples)

        @functools.wraps(budget)
        def run(*args: Any, **kwargs: Any) -> Any:
            before = ran[target]
            result = budget(*args, **kwargs)
            count = ran[target] - before
            assert count >= examples, (
                f"fuzz target {target!r} ran {count} examples, not {examples}: its strategies ran out of new inputs"
            )
            return result

        return run  # type: ignore[return-value]

    return decorate


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Under pytest-xdist, a worker hands its counts to the controller, which prints the summary."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["fuzz_ran"], output["fuzz_wanted"] = dict(ran), dict(wanted)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """Add a finished xdist worker's counts to this (the controller's) session."""
    output = getattr(node, "workeroutput", {})
    ran.update(output.get("fuzz_ran", {}))
    for target, examples in output.get("fuzz_wanted", {}).items():
        wanted[target] = max(wanted.get(target, 0), examples)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print how many examples each fuzz target ran in this session."""
    if not ran:
        return
    terminalreporter.write_sep("-", f"fuzz examples run ({len(ran)} targets)")
    for target, count in sorted(ran.items()):
        short = "" if count >= wanted.get(target, 0) else f"  (fewer than {wanted[target]:,})"
        terminalreporter.write_line(f"{target:<50} {count:>7,}{short}")
