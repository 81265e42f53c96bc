"""Numbers typed by people: ASCII digits only, because `str.isdigit` accepts "²" and `int` accepts "٣"."""

from __future__ import annotations

import re

ASCII_DIGITS = re.compile(r"[0-9]+")


def parse_count(text: str) -> int | None:
    """The non-negative integer `text` spells in ASCII digits, else None (signs, spaces and other scripts included)."""
    if not ASCII_DIGITS.fullmatch(text):
        return None
    return int(text)
