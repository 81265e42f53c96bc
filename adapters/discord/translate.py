"""Translate Discord interactions and raw reaction events into the core's IncomingCommand / IncomingReaction /
IncomingAction.

This is the only place Discord objects meet the core; direct messages (no guild) are ignored, as digests and
reading lists are scoped by server.
"""

from __future__ import annotations

import discord

from bot.chat.seed import bibtex_ids
from bot.events import IncomingAction, IncomingCommand, IncomingMessage, IncomingReaction, PaperAction

PLATFORM = "discord"
MAX_ATTACHMENT_BYTES = 256 * 1024  # a BibTeX file of a few hundred entries; a bigger one is not read at all


def command_text(subcommand: str, *args: str | int | None) -> str:
    """The router's command line for a subcommand and its options (missing options left out)."""
    return " ".join([subcommand, *(str(arg) for arg in args if arg is not None and str(arg) != "")])


def can_manage(user: discord.abc.User, permissions: discord.Permissions, admin_role: str | None) -> bool:
    """Manage Channels in this channel, or the configured admin role (by name or id), may change its settings."""
    if permissions.manage_channels or permissions.administrator:
        return True
    if admin_role is None or not isinstance(user, discord.Member):
        return False
    return any(role.name == admin_role or str(role.id) == admin_role for role in user.roles)


def command_from_interaction(
    interaction: discord.Interaction, text: str, admin_role: str | None = None
) -> IncomingCommand | None:
    """The command a slash-command interaction stands for, or None outside a server."""
    if interaction.guild_id is None or interaction.channel_id is None:
        return None
    return IncomingCommand(
        platform=PLATFORM,
        workspace=str(interaction.guild_id),
        channel_id=str(interaction.channel_id),
        user_id=str(interaction.user.id),
        text=text,
        can_manage=can_manage(interaction.user, interaction.permissions, admin_role),
    )


def reaction_from_event(payload: discord.RawReactionActionEvent) -> IncomingReaction | None:
    """The reaction a raw gateway event stands for, or None for direct messages."""
    if payload.guild_id is None:
        return None
    return IncomingReaction(
        platform=PLATFORM,
        workspace=str(payload.guild_id),
        channel_id=str(payload.channel_id),
        message_id=str(payload.message_id),
        user_id=str(payload.user_id),
        emoji=str(payload.emoji),
        added=payload.event_type == "REACTION_ADD",
    )


def action_from_interaction(
    interaction: discord.Interaction, action: PaperAction, paper_id: str
) -> IncomingAction | None:
    """The press a component interaction stands for (its button's custom_id already parsed), or None outside a server.

    `message_id` names the digest message pressed on; an answer's own button (on an ephemeral message) has none.
    """
    if interaction.guild_id is None or interaction.channel_id is None:
        return None
    message = interaction.message
    on_digest = message is not None and not message.flags.ephemeral
    channel = interaction.channel  # in a thread digest's thread, the digest is its parent channel's
    channel_id = channel.parent_id if isinstance(channel, discord.Thread) else interaction.channel_id
    return IncomingAction(
        platform=PLATFORM,
        workspace=str(interaction.guild_id),
        user_id=str(interaction.user.id),
        action=action,
        paper_id=paper_id,
        channel_id=str(channel_id),
        message_id=str(message.id) if on_digest and message is not None else None,
    )


def message_from_gateway(message: discord.Message) -> IncomingMessage | None:
    """A person's new message in a server channel (MESSAGE_CREATE), or None: bots (the bot itself too), webhooks,
    system messages and direct messages. In a thread, the thread's parent is the channel and the thread is the thread.

    Without the message_content intent Discord sends the text only of messages that mention the bot."""
    if message.author.bot or message.webhook_id is not None:
        return None
    if message.type not in (discord.MessageType.default, discord.MessageType.reply):
        return None
    guild_id = message.guild.id if message.guild else getattr(message.channel, "guild_id", None)
    if guild_id is None:
        return None
    channel = message.channel
    in_thread = isinstance(channel, discord.Thread)
    return IncomingMessage(
        platform=PLATFORM,
        workspace=str(guild_id),
        channel_id=str(channel.parent_id if isinstance(channel, discord.Thread) else channel.id),
        user_id=str(message.author.id),
        message_id=str(message.id),
        text=message.content,
        thread_id=str(channel.id) if in_thread else None,
    )


async def attached_text(attachment: discord.Attachment) -> str:
    """A command's attached BibTeX file as the arXiv ids of its entries (the text the command takes), read only when
    small enough; an unreadable or oversized file gives no ids, and the command says what it needs."""
    if attachment.size > MAX_ATTACHMENT_BYTES:
        return ""
    try:
        content = (await attachment.read()).decode("utf-8", "replace")
    except (discord.HTTPException, discord.NotFound):
        return ""
    return " ".join(bibtex_ids(content))
