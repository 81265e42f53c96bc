"""Named points in delivery where a crash test stops the process dead; nothing happens unless a hook is installed.

The core only names the points; the composition root installs a hook (tests: one that SIGKILLs at a chosen point).
"""

from __future__ import annotations

from collections.abc import Callable

CrashHook = Callable[[str], None]

_hook: CrashHook | None = None


def install_crash_hook(hook: CrashHook | None) -> None:
    """Call `hook` with each crash point's name from now on (None removes it)."""
    global _hook
    _hook = hook


def crash_point(name: str) -> None:
    """Hand `name` to the installed hook; a no-op without one."""
    if _hook is not None:
        _hook(name)
