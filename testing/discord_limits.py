"""Discord's own message limits, as the fake API enforces them (https://discord.com/developers/docs/resources/message).

Deliberately independent of `adapters.discord.render`: a renderer test that compared against the renderer's own
constants would pass whatever those constants said. `form_errors` answers with the nested `errors` object Discord sends
with HTTP 400 and code 50035 (Invalid Form Body), which discord.py flattens into its exception text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

INVALID_FORM_BODY = 50035
EMPTY_MESSAGE = 50006
MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
MAX_AUTHOR = 256
MAX_EMBEDS_TOTAL = 6000  # title, description, field names and values, footer and author of every embed together
MAX_ACTION_ROWS = 5
MAX_ROW_COMPONENTS = 5  # buttons in one action row
MAX_NONCE = 25
_CONTENT_KEYS = ("content", "embeds", "attachments", "files", "components", "sticker_ids", "poll")


def form_errors(body: dict[str, Any]) -> dict[str, Any]:
    """Every way a message body breaks Discord's limits, nested as Discord nests them; empty when it would post."""
    errors: dict[str, Any] = {}
    _length(errors, ("content",), body.get("content"), MAX_CONTENT)
    _length(errors, ("nonce",), None if body.get("nonce") is None else str(body["nonce"]), MAX_NONCE)
    embeds = body.get("embeds") or []
    _length(errors, ("embeds",), embeds, MAX_EMBEDS)
    if sum(_embed(errors, ("embeds", str(n)), embed) for n, embed in enumerate(embeds)) > MAX_EMBEDS_TOTAL:
        _put(errors, ("embeds",), "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {MAX_EMBEDS_TOTAL}")
    rows = body.get("components") or []
    _length(errors, ("components",), rows, MAX_ACTION_ROWS)
    for n, row in enumerate(rows):
        _length(errors, ("components", str(n), "components"), row.get("components") or [], MAX_ROW_COMPONENTS)
    return errors


def is_empty(body: dict[str, Any]) -> bool:
    """Nothing to show: Discord refuses it with code 50006."""
    return not any(body.get(key) for key in _CONTENT_KEYS)


def _embed(errors: dict[str, Any], at: tuple[str, ...], embed: dict[str, Any]) -> int:
    """Check one embed's fields; return its size toward the message's total."""
    texts = {
        ("title",): (embed.get("title"), MAX_TITLE),
        ("description",): (embed.get("description"), MAX_DESCRIPTION),
        ("footer", "text"): ((embed.get("footer") or {}).get("text"), MAX_FOOTER),
        ("author", "name"): ((embed.get("author") or {}).get("name"), MAX_AUTHOR),
    }
    fields = embed.get("fields") or []
    _length(errors, (*at, "fields"), fields, MAX_FIELDS)
    for n, field in enumerate(fields):
        for key, limit in (("name", MAX_FIELD_NAME), ("value", MAX_FIELD_VALUE)):
            texts[("fields", str(n), key)] = (field.get(key), limit)
            if not field.get(key):
                _put(errors, (*at, "fields", str(n), key), "BASE_TYPE_REQUIRED", "This field is required")
    for path, (text, limit) in texts.items():
        _length(errors, (*at, *path), text, limit)
    return sum(len(text) for text, _ in texts.values() if isinstance(text, str))


def _length(errors: dict[str, Any], at: tuple[str, ...], value: Sequence[Any] | None, limit: int) -> None:
    if value is not None and len(value) > limit:
        _put(errors, at, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def _put(errors: dict[str, Any], at: tuple[str, ...], code: str, message: str) -> None:
    node = errors
    for key in at:
        node = node.setdefault(key, {})
    node.setdefault("_errors", []).append({"code": code, "message": message})
