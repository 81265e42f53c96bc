"""Discord's gateway unreachable: discord.py retries by itself; this makes each attempt one line, no traceback.

discord.py logs every failed gateway connect with its traceback (about 30 lines every 5 s while the network is
down); an operator needs to read only that the gateway is unreachable, why, and when the next attempt comes.
"""

from __future__ import annotations

import logging

# discord.py's messages (discord/shard.py) and the seconds each waits before its next attempt: launch_shard sleeps a
# fixed 5 s, a dropped shard's reconnect passes its back-off as the last argument.
_SHARD_CONNECT_FAILED = "Failed to connect for shard_id: %s. Retrying..."
_SHARD_RECONNECTING = "Attempting a reconnect for shard ID %s in %.2fs"
_LAUNCH_RETRY_S = 5.0


def gateway_unreachable(error: BaseException) -> str:
    """What an operator reads: the gateway is unreachable, and why (an error without words timed out)."""
    return f"Discord gateway is unreachable: {' '.join(str(error).split()).rstrip('.') or 'no answer'}"


class OneLineOutage(logging.Filter):
    """On discord.py's `discord.shard` logger: a failed gateway connect becomes one warning saying when discord.py
    retries."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == _SHARD_CONNECT_FAILED:
            retry_s = _LAUNCH_RETRY_S
        elif record.msg == _SHARD_RECONNECTING and isinstance(record.args, tuple) and record.args:
            retry_s = float(str(record.args[-1]))
        else:
            return True
        error = record.exc_info[1] if record.exc_info and record.exc_info[1] is not None else TimeoutError()
        record.msg, record.args = "%s: retrying in %.0f s", (gateway_unreachable(error), retry_s)
        record.exc_info, record.exc_text = None, None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True
