"""Slack unreachable: slack_sdk's Socket Mode loop retries by itself; this makes each attempt one line, no traceback.

The SDK logs every failed connect with its traceback (and its web client a line per connection retry) every ping
interval; an operator needs to read only that Slack is unreachable, why, and when the next attempt comes.
"""

from __future__ import annotations

import logging
import re

_FAILED = re.compile(r"Failed to connect \(error: (?P<error>.*)\); Retrying\.\.\.", re.S)
_CONNECTION_RETRY = "A retry handler found: AsyncConnectionErrorRetryHandler"


class OneLineOutage(logging.Filter):
    """On the SDK's loggers: a failed connect becomes one warning saying when the SDK retries; its connection-retry
    chatter is dropped."""

    def __init__(self, retry_s: float, api_url: str) -> None:
        super().__init__()
        self._retry_s = retry_s
        self._api_url = api_url

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith(_CONNECTION_RETRY):
            return False
        if found := _FAILED.fullmatch(message):
            error = " ".join(found["error"].split()) or f"no answer from {self._api_url}"
            record.msg, record.args = f"slack unreachable ({error}): retrying in {self._retry_s:.0f} s", None
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True
