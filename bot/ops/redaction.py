"""Keep secrets out of logs: a handler filter that masks anything token-shaped and the configured secrets."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings

MASK = "[redacted]"
# Slack bot/user/app/refresh tokens, and Discord bot tokens (base64 user id . timestamp . HMAC).
TOKEN_SHAPES = re.compile(
    r"\bxox[abposre]-[A-Za-z0-9-]{8,}|\bxapp-[A-Za-z0-9-]{8,}"
    r"|\b[MNO][A-Za-z\d_-]{23,27}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,40}\b"
)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message and traceback text with secrets masked, whatever logger produced it."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return TOKEN_SHAPES.sub(MASK, text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def configured_secrets(settings: Settings) -> list[str]:
    """Every configured secret, so it is masked even where it is not token-shaped."""
    candidates = [
        settings.slack.bot_token,
        settings.slack.app_token,
        settings.slack.signing_secret,
        settings.slack.client_secret,
        settings.discord.token,
    ]
    return [secret.get_secret_value() for secret in candidates if secret is not None]
