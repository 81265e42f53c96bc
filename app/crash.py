"""Crash tests' hook: with $PAPERBOT_CRASH_AT set, the worker SIGKILLs itself at the crash point it names
(`point`, or `point#n` for the n-th time the point is passed, e.g. between the second and third message)."""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Mapping

from bot.crashpoint import install_crash_hook

log = logging.getLogger(__name__)

CRASH_ENV = "PAPERBOT_CRASH_AT"


def install_crash_hook_from_env(environ: Mapping[str, str] = os.environ) -> None:
    """Install the SIGKILL hook only when `CRASH_ENV` names a point, so a kill -9 lands exactly there (no cleanup)."""
    target = environ.get(CRASH_ENV)
    if not target:
        return
    point, _, nth = target.partition("#")
    passes = [int(nth or 1)]

    def kill_at(name: str) -> None:
        if name != point:
            return
        passes[0] -= 1
        if passes[0] <= 0:
            os.kill(os.getpid(), signal.SIGKILL)

    install_crash_hook(kill_at)
    log.warning("crash test: this process kills itself at crash point %r (%s is set)", target, CRASH_ENV)
