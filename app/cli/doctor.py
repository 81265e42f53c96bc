"""`paperbot doctor`: run every check, show them in a table, then a numbered list of what to fix."""

from __future__ import annotations

from collections.abc import Sequence

import typer
from rich.markup import escape
from rich.table import Table

from app.cli.common import cli_settings, command, out, state
from bot.ops.doctor import Check

_MARKS = {True: "[green]✓[/green]", False: "[red]✗[/red]", None: "[dim]–[/dim]"}


@command
async def doctor() -> None:
    """Check the config, the database, the Slack and Discord tokens, the summarization model and the sources.

    Exits with 1 when any check failed; warnings and skipped checks do not count.
    """
    from app.wiring import doctor_probes
    from bot.config import default_config_path
    from bot.ops.doctor import diagnose

    checks = await diagnose(cli_settings, doctor_probes(), state["config"] or default_config_path())
    out.print(checks_table(checks))
    fixes = [check for check in checks if check.fix and (check.failed or check.warning)]
    if fixes:
        out.print("\n[bold]What to fix[/bold]")
        for number, check in enumerate(fixes, 1):
            out.print(f"{number}. {escape(check.name)}: {escape(check.fix)}", highlight=False, soft_wrap=True)
    if any(check.failed for check in checks):
        raise typer.Exit(1)


def checks_table(checks: Sequence[Check]) -> Table:
    """One row per check: its name, ✓ / ✗ / – (or ! for a warning), and what it found."""
    table = Table("check", "result", "detail")
    for check in checks:
        mark = "[yellow]![/yellow]" if check.warning else _MARKS[check.ok]
        table.add_row(escape(check.name), mark, escape(check.detail))
    return table
