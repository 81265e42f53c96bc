"""The typer app class every `paperbot` command group is built from: help screens where a flag names no type.

typer's rich help prints a type beside every option, flags included (`--json <bool>`, `--help <bool>`), which reads
as if the flag wanted a value. An option's metavar, when set, is what typer prints there instead, so each help
screen first gives its flags an empty one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer
from typer import _click
from typer.core import TyperCommand, TyperGroup, TyperOption
from typer.models import CommandFunctionType


def _untype_flags(command: _click.Command, ctx: _click.Context) -> None:
    for param in command.get_params(ctx):  # `--help` too, which typer only makes here
        if isinstance(param, TyperOption) and param.is_flag:
            param.metavar = ""


class Command(TyperCommand):
    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        _untype_flags(self, ctx)
        super().format_help(ctx, formatter)


class Group(TyperGroup):
    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        _untype_flags(self, ctx)
        super().format_help(ctx, formatter)


class Typer(typer.Typer):
    """A `typer.Typer` whose groups and commands print flags without a type in `--help`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cls=Group, **kwargs)

    def command(self, name: str | None = None, **kwargs: Any) -> Callable[[CommandFunctionType], CommandFunctionType]:
        return super().command(name, cls=Command, **kwargs)
