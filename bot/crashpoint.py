"""Named points where a crash test makes this process SIGKILL itself, so a kill -9 lands deterministically."""

from __future__ import annotations

import os
import signal

CRASH_ENV = "PAPERBOT_CRASH_AT"


def crash_point(name: str) -> None:
    """Die at once (no cleanup, like kill -9) when $PAPERBOT_CRASH_AT names this point; otherwise do nothing."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
