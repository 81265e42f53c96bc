"""Plumbing every `paperbot` subcommand shares: consoles, settings and logging, the app, one-line errors."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Collection, Coroutine, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from functools import wraps
from typing import TYPE_CHECKING, Any, NoReturn, ParamSpec, TypeVar

import click
import typer
from rich.console import Console
from rich.markup import escape

from bot.errors import PaperbotError

if TYPE_CHECKING:
    from rich.table import Table

    from app.wiring import App
    from bot.config import Settings

P = ParamSpec("P")
T = TypeVar("T")

WIDE_COLUMNS = 120  # narrower terminals get tables without their droppable columns
out = Console()
err = Console(stderr=True)
state: dict[str, Any] = {"config": None}  # set by the top-level --config/--verbose options


def command(func: Callable[P, Coroutine[Any, Any, T]]) -> Callable[P, T]:
    """Run an async command; any failure becomes one red line on stderr and exit code 1 (`--verbose` adds the
    traceback). A PaperbotError says it in its own words; anything else (a library's error) by type and first line."""

    @wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return asyncio.run(func(*args, **kwargs))
        except PaperbotError as exc:
            fail(str(exc))
        except (typer.Exit, typer.Abort, click.ClickException):
            raise
        except Exception as exc:
            fail(f"{type(exc).__name__}: {exc}")

    return run


def fail(message: str) -> NoReturn:
    """Print `message` as one line (its first, token-shaped text masked), the traceback with --verbose; exit 1."""
    from bot.ops.redaction import RedactingFilter

    if state.get("verbose"):
        err.print_exception()
    line = RedactingFilter().redact(message.strip().splitlines()[0] if message.strip() else "failed")
    err.print(f"[red]error:[/red] {escape(line)}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def fitted_table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, droppable: Collection[str]) -> Table:
    """A table readable in this terminal: narrower than WIDE_COLUMNS, the `droppable` columns go and the borders
    thin, so each row still fits on a line or two at 80 columns."""
    from rich import box
    from rich.table import Table

    narrow = out.width < WIDE_COLUMNS
    kept = [n for n, header in enumerate(headers) if not (narrow and header in droppable)]
    table = Table(*(headers[n] for n in kept), box=box.SIMPLE_HEAD if narrow else box.HEAVY_HEAD)
    for row in rows:
        table.add_row(*(row[n] for n in kept))
    return table


def cli_settings(*, service: bool = False) -> Settings:
    """Load the config; one-shot commands log warnings only, the worker (`service`) logs at the configured level."""
    from bot.config import load_settings
    from bot.ops.redaction import configured_secrets

    loaded = load_settings(state["config"])
    level = getattr(logging, loaded.logging.level)
    if state.get("verbose"):
        level = logging.DEBUG
    elif not service:
        level = max(level, logging.WARNING)
    _configure_logging(level, secrets=configured_secrets(loaded))
    return loaded


def _configure_logging(level: int, *, secrets: list[str]) -> None:
    from rich.logging import RichHandler

    from bot.ops.redaction import RedactingFilter

    # The CLI draws its own progress bars; the Hugging Face libraries read this before their first import.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    handler = RichHandler(console=err, show_path=False)
    handler.addFilter(RedactingFilter(secrets))
    logging.basicConfig(level=level, format="%(message)s", handlers=[handler], force=True)
    for noisy in ("httpx", "urllib3", "filelock", "huggingface_hub", "alembic"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    # APScheduler says "Running job"/"executed successfully" at INFO for every job run: only a debug log shows them.
    logging.getLogger("apscheduler").setLevel(logging.DEBUG if level <= logging.DEBUG else max(level, logging.WARNING))
    logging.getLogger("discord.client").addFilter(_not_about_voice)  # paperbot never speaks: not worth a warning


def _not_about_voice(record: logging.LogRecord) -> bool:
    return "voice will NOT be supported" not in record.getMessage()


def open_bot(*, service: bool = False) -> AbstractAsyncContextManager[App]:
    """The wired-up app for one command, from the config the top-level options name."""
    from app.wiring import open_app

    return open_app(cli_settings(service=service))
