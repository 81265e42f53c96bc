"""Secrets never reach a log line, whether in the message, its arguments or a traceback."""

from __future__ import annotations

import io
import logging

from bot.ops.redaction import RedactingFilter

SLACK = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"
APP = "xapp-1-A0123456789-1234567890123-abcdef0123456789"
DISCORD = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GAbCdE.abcdefghijklmnopqrstuvwxyz0123456789AB"
SIGNING = "8f742231b10e8888abcd99yyyzzz85a5"


def _logger() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter([SIGNING]))
    logger = logging.getLogger("paperbot-redaction-test")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, stream


def test_token_shaped_values_and_configured_secrets_are_masked():
    logger, stream = _logger()
    logger.info("connecting with %s and %s", SLACK, APP)
    logger.warning("discord token %s, signing secret %s", DISCORD, SIGNING)
    try:
        raise RuntimeError(f"auth failed for {SLACK}")
    except RuntimeError:
        logger.exception("request failed")
    output = stream.getvalue()
    for secret in (SLACK, APP, DISCORD, SIGNING):
        assert secret not in output
    assert output.count("[redacted]") >= 5
    assert "RuntimeError: auth failed for [redacted]" in output


def test_ordinary_text_is_left_alone():
    logger, stream = _logger()
    logger.info("digest channel=%s papers=%d", "slack:T1/C1", 5)
    assert stream.getvalue().strip() == "digest channel=slack:T1/C1 papers=5"
