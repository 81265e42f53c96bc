"""`paperbot model`: summarization models on disk."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.common import command, out
from app.cli.help import Typer

if TYPE_CHECKING:
    pass

model_app = Typer(help="Manage summarization models.", no_args_is_help=True)


@model_app.command("fetch")
@command
async def model_fetch(
    name: Annotated[
        str,
        typer.Argument(
            help="A Hugging Face model name (sshleifer/distilbart-cnn-12-6), or 'repo::file.gguf' for one GGUF file."
        ),
    ],
    dest: Annotated[Path | None, typer.Option(help="Directory to download into.")] = None,
) -> None:
    """Download a summarization model (needs internet) so it can be used offline afterwards."""
    from bot.summarize.hub import fetch_model, local_model_ref

    path = await asyncio.to_thread(fetch_model, name, dest)
    out.print(f"fetched {name} to {path}; set summarizer.model = {local_model_ref(name, path)!r} to use it")
