"""What a `/papers` subcommand is: its name, usage, typed arguments, who may use it and the handler that answers it.

Arguments are platform-neutral: a platform with typed options (Discord) turns each into an option of its kind, a
text platform (Slack, the console) sees them in the usage line. Either way the handler receives the words after the
subcommand's name, as the router parsed them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.errors import UsageError
from bot.events import IncomingCommand, Reply

if TYPE_CHECKING:
    from bot.chat.services import ChatServices
    from bot.delivery.digest import Send

INLINE_CHOICES = 3  # a choice among this many or fewer is spelled out in the usage line (`quiet notice|silent`)


class ArgKind(StrEnum):
    """What an argument holds, so each platform can offer the right input (autocomplete, a number, a pick list)."""

    TEXT = "text"
    PAPER_ID = "paper-id"
    TIME = "time"  # 24-hour HH:MM
    ZONE = "zone"  # an IANA time zone name
    INT = "int"
    CHOICE = "choice"
    FILE = "file"  # an attached text file, where the platform lets a command carry one (Discord); its adapter reads it


@dataclass(frozen=True, slots=True)
class Argument:
    """One argument: `name` is its option name where options are typed, `label` how usage lines show it."""

    name: str
    description: str
    kind: ArgKind = ArgKind.TEXT
    optional: bool = False
    choices: tuple[str, ...] = ()
    label: str = ""
    minimum: int | None = None
    maximum: int | None = None

    @property
    def inline_choices(self) -> bool:
        return self.kind is ArgKind.CHOICE and len(self.choices) <= INLINE_CHOICES

    @property
    def placeholder(self) -> str:
        """`<topic>`, `[count]`, or a short choice spelled out: `notice|silent`."""
        shown = "|".join(self.choices) if self.inline_choices else self.label or self.name
        if self.optional:
            return f"[{shown}]"
        return shown if self.inline_choices else f"<{shown}>"


@dataclass(frozen=True, slots=True)
class Invocation:
    """One call of a command: who asked where, the words after its name, and how to post a digest (if possible)."""

    command: IncomingCommand
    argument: str
    usage: str
    send: Send | None = None


Handler = Callable[["ChatServices", Invocation], Awaitable[Reply]]


@dataclass(frozen=True, slots=True)
class Command:
    """A `/papers` subcommand. `forms` replaces the usage derived from the arguments where the text grammar says
    more than the arguments can (search's filters, saved's export); `manages` limits it to channel managers."""

    name: str
    summary: str
    handler: Handler
    arguments: tuple[Argument, ...] = ()
    manages: bool = False
    forms: tuple[str, ...] = ()
    example: str = ""

    @property
    def usages(self) -> tuple[str, ...]:
        """Each way to write the command, e.g. ("saved [page]", "saved export bibtex|markdown")."""
        return self.forms or (" ".join([self.name, *(argument.placeholder for argument in self.arguments)]),)

    @property
    def usage(self) -> str:
        return " or ".join(self.usages)

    @property
    def synopsis(self) -> str:
        """The name and its required arguments only: the shortest hint of how to call it."""
        return " ".join([self.name, *(a.placeholder for a in self.arguments if not a.optional)])

    def check(self, argument: str) -> None:
        """Refuse, with the usage line, a call that lacks a required argument or picks a choice not on offer.

        A single argument takes all the words after the name; commands with several parse them in their handler.
        """
        if not argument and any(not a.optional for a in self.arguments):
            raise UsageError(f"Usage: {self.usage}" + (f", e.g. {self.example}" if self.example else ""))
        if argument and len(self.arguments) == 1 and self.arguments[0].kind is ArgKind.CHOICE:
            choice = self.arguments[0]
            if argument.lower() not in choice.choices:
                named = choice.label or choice.name
                offered = "" if choice.inline_choices else f"; {named} is one of {', '.join(choice.choices)}"
                raise UsageError(f"Usage: {self.usage}{offered} (got {argument[:30]!r}).")

    def describe(self) -> str:
        """Everything `help <name>` says: usage, what it does, who may use it, each argument, an example."""
        lines = [f"`{usage}`" for usage in self.usages]
        who = " Channel managers only." if self.manages else ""
        lines.append(f"{self.summary}.{who}")
        for argument in self.arguments:
            optional = " (optional)" if argument.optional else ""
            lines.append(f"• {argument.label or argument.name}{optional}: {argument.description}")
        if self.example:
            lines.append(f"Example: `{self.example}`")
        return "\n".join(lines)
