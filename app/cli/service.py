"""Operating the bot: `paperbot run` (the long-running worker) and `paperbot status`."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.markup import escape

from app.cli.common import cli_settings, command, fitted_table, open_bot, out
from app.cli.help import Typer
from app.cli.sources import sources_table

service_app = Typer()


@service_app.command()
@command
async def run(
    http: Annotated[
        bool,
        typer.Option("--http", help="Serve Slack over HTTP (signing secret) instead of Socket Mode, and /healthz."),
    ] = False,
    port: Annotated[int, typer.Option(help="Port for --http.", envvar="PORT")] = 3000,
    migrate: Annotated[
        bool, typer.Option("--migrate", help="Upgrade the store's schema first (as `paperbot db upgrade` does).")
    ] = False,
) -> None:
    """Run the bot: connect Slack/Discord, keep every channel's digest schedule, until SIGINT/SIGTERM.

    With no Slack or Discord token configured, console channels get their digests in this terminal. A store whose
    schema is behind this paperbot is refused with one line, unless --migrate (run it on one worker while none runs).
    """
    import gc
    import signal

    from app.wiring import open_app
    from app.worker import run_worker
    from storage.worker_lock import single_worker

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    settings = cli_settings(service=True)
    # The lock comes first: a second worker on SQLite is refused before it touches (or migrates) the store.
    with single_worker(settings.database.resolved_url()):  # SQLite: one worker; PostgreSQL: leases
        async with open_app(settings, migrate=migrate) as bot:
            await run_worker(bot, http_port=port if http else None, stop=stop)
    leave_now_if_model_work_runs()
    # Stopped and closed: the interpreter's last collection over a loaded model's objects took seconds of the
    # 10 s a stop may take, and nothing is left for it to finalize.
    gc.freeze()


def leave_now_if_model_work_runs() -> None:
    """Exit at once (status 0, logs flushed) when a model call the stop abandoned still runs in its thread: letting
    the interpreter finalize under it aborts the process."""
    import logging
    import os
    import sys

    from bot.threads import running_off_loop

    if running_off_loop():
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


@service_app.command()
@command
async def status() -> None:
    """The sources' health, then each channel's next digest run, last digest sent and papers waiting."""
    from datetime import UTC, datetime

    from bot.ops.status import WAITING_CAP, channel_statuses

    async with open_bot() as bot:
        rows = await channel_statuses(bot.store.channels, bot.store.outbox, datetime.now(UTC))
        states = {state.name: state for state in await bot.store.sources.source_states()}
        sources = bot.settings.sources
    if sources:
        out.print(sources_table(sources, states))
    lines = []
    for row in rows:
        upcoming = f"{row.next_run:%Y-%m-%d %H:%M %Z}" if row.next_run else "-"
        upcoming = "[yellow]paused[/yellow]" if row.paused else upcoming
        upcoming = "[red]never: invalid schedule[/red]" if row.invalid else upcoming
        last = f"{row.last_sent:%Y-%m-%d %H:%M} UTC" if row.last_sent else "never"
        pending = f"{row.pending}+" if row.pending >= WAITING_CAP else str(row.pending)
        lines.append((escape(str(row.ref)), escape(row.schedule), upcoming, last, pending))
    out.print(
        fitted_table(("channel", "schedule", "next run", "last digest", "pending"), lines, droppable={"schedule"})
    )
