"""Model work runs off the loop without holding up a worker that was told to stop."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import pytest

from bot.threads import off_loop

ABANDON = """
import asyncio, time
from bot.threads import off_loop

async def main():
    try:
        await asyncio.wait_for(off_loop(time.sleep, 60), 0.2)  # a model load that outlives the stop
    except TimeoutError:
        print("stopped", flush=True)

asyncio.run(main())
"""


async def test_returns_the_result_and_raises_the_error_of_the_call() -> None:
    assert await off_loop(sum, [1, 2, 3]) == 6
    with pytest.raises(ZeroDivisionError):
        await off_loop(divmod, 1, 0)


async def test_the_loop_keeps_running_while_the_call_does() -> None:
    started = time.monotonic()
    work = asyncio.ensure_future(off_loop(time.sleep, 0.5))
    await asyncio.sleep(0.05)
    assert not work.done() and time.monotonic() - started < 0.4
    await work


def test_a_process_stops_at_once_though_a_call_is_still_running() -> None:
    """With asyncio.to_thread this process would wait the full minute for the sleeping thread at exit."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", ABANDON], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and done.stdout == "stopped\n", done.stderr
    assert time.monotonic() - started < 15
