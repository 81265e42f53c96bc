"""The `paperbot` command: one typer app assembled from the command groups in app/cli/."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.ask import ask
from app.cli.common import state
from app.cli.db import db_app
from app.cli.discord import discord_app
from app.cli.doctor import doctor
from app.cli.help import Typer
from app.cli.model import model_app
from app.cli.papers import papers_app
from app.cli.service import service_app
from app.cli.sources import sources_app

app = Typer(help="paperbot: research-paper digests for Slack, Discord and the terminal.", no_args_is_help=True)
app.add_typer(papers_app)  # no name: its commands are top-level (`paperbot demo`, `paperbot list`...)
app.add_typer(service_app)  # likewise: `paperbot run`, `paperbot status`
app.add_typer(db_app, name="db")
app.add_typer(model_app, name="model")
app.add_typer(discord_app, name="discord")
app.add_typer(sources_app, name="sources")
app.command("doctor")(doctor)
# All but `ask`'s own options is the command text, words that look like options too (`ask search -gan`).
app.command("ask", context_settings={"ignore_unknown_options": True})(ask)


@app.callback()
def _main(
    config: Annotated[Path | None, typer.Option("--config", "-c", help="Path to config.toml.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug details.")] = False,
) -> None:
    state["config"] = config
    state["verbose"] = verbose
