"""Model work off the event loop, in threads that never hold up the process's exit.

`asyncio.to_thread` uses the loop's default executor, whose threads `asyncio.run` joins at shutdown and the
interpreter joins at exit: a worker told to stop while a model loads or encodes would wait for it (tens of seconds on
a busy machine) instead of stopping within seconds. A daemon thread per call is abandoned instead; its result, if it
comes after the loop closed, is dropped. A process that abandoned one must leave with `os._exit`: torch running in a
thread while the interpreter finalizes aborts the process ("terminate called without an active exception").
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")
THREAD_PREFIX = "paperbot-off-loop-"


def running_off_loop() -> int:
    """How many `off_loop` calls are still running (abandoned ones included)."""
    return sum(thread.name.startswith(THREAD_PREFIX) for thread in threading.enumerate())


async def off_loop(function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """`function(*args, **kwargs)` in a daemon thread; cancelling the await abandons the thread's result."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def deliver(result: T | None, error: BaseException | None) -> None:
        if future.done():  # the awaiting task was cancelled
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]  # None only alongside an error

    def run() -> None:
        result: T | None = None
        error: BaseException | None = None
        try:
            result = function(*args, **kwargs)
        except BaseException as exc:  # handed to the awaiting task, which decides
            error = exc
        try:
            loop.call_soon_threadsafe(deliver, result, error)
        except RuntimeError:  # the loop closed while this ran: nobody is waiting any more
            pass

    threading.Thread(target=run, name=f"{THREAD_PREFIX}{getattr(function, '__name__', 'work')}", daemon=True).start()
    return await future
