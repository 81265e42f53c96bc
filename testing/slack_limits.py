"""Slack's own Block Kit limits, as the fake Web API enforces them (https://api.slack.com/reference/block-kit).

Deliberately independent of `adapters.slack.render`: a renderer test that compared against the renderer's own constants
would pass whatever those constants said. `block_errors` answers with Slack's wording and JSON pointers, which the fake
returns under `invalid_blocks`.
"""

from __future__ import annotations

from typing import Any

MAX_BLOCKS = 50  # blocks in one message
MAX_TEXT = 3000  # a section's text, and any text object (context elements included)
MAX_HEADER_TEXT = 150
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25
MAX_BLOCK_ID = 255
TEXT_TYPES = ("plain_text", "mrkdwn")
BLOCK_TYPES = (
    "section",
    "header",
    "context",
    "actions",
    "divider",
    "image",
    "rich_text",
    "input",
    "file",
    "video",
    "markdown",
)


def block_errors(blocks: Any) -> list[str]:
    """Every way `blocks` breaks Slack's limits, as Slack words it; empty when Slack would accept them."""
    if not isinstance(blocks, list):
        return ["must be an array [json-pointer:/blocks]"]
    errors = _count(blocks, MAX_BLOCKS, "/blocks")
    for number, block in enumerate(blocks):
        errors += _block(block, f"/blocks/{number}")
    return errors


def _block(block: Any, at: str) -> list[str]:
    if not isinstance(block, dict) or block.get("type") not in BLOCK_TYPES:
        return [f"unsupported type: {block.get('type') if isinstance(block, dict) else block!r} [json-pointer:{at}]"]
    errors = []
    if len(str(block.get("block_id", ""))) > MAX_BLOCK_ID:
        errors.append(f"must be less than {MAX_BLOCK_ID + 1} characters [json-pointer:{at}/block_id]")
    kind = block["type"]
    if kind == "header":
        errors += _text(block.get("text"), MAX_HEADER_TEXT, f"{at}/text", types=("plain_text",))
    elif kind == "section":
        if "text" not in block and not block.get("fields"):
            errors.append(f"must define either `text` or `fields` [json-pointer:{at}]")
        if "text" in block:
            errors += _text(block["text"], MAX_TEXT, f"{at}/text")
        fields = block.get("fields") or []
        errors += _count(fields, MAX_SECTION_FIELDS, f"{at}/fields")
        for number, field in enumerate(fields):
            errors += _text(field, MAX_FIELD_TEXT, f"{at}/fields/{number}")
    elif kind == "context":
        elements = block.get("elements") or []
        if not elements:
            errors.append(f"must provide at least 1 items [json-pointer:{at}/elements]")
        errors += _count(elements, MAX_CONTEXT_ELEMENTS, f"{at}/elements")
        for number, element in enumerate(elements):
            if isinstance(element, dict) and element.get("type") in TEXT_TYPES:
                errors += _text(element, MAX_TEXT, f"{at}/elements/{number}")
    elif kind == "actions":
        errors += _count(block.get("elements") or [], MAX_ACTIONS_ELEMENTS, f"{at}/elements")
    return errors


def _count(items: list[Any], limit: int, at: str) -> list[str]:
    return [f"no more than {limit} items allowed [json-pointer:{at}]"] if len(items) > limit else []


def _text(obj: Any, limit: int, at: str, *, types: tuple[str, ...] = TEXT_TYPES) -> list[str]:
    """A text object: one of `types`, 1 to `limit` characters."""
    if not isinstance(obj, dict) or obj.get("type") not in types:
        return [f"must be a text object of type {' or '.join(types)} [json-pointer:{at}]"]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return [f"must be more than 0 characters [json-pointer:{at}/text]"]
    if len(text) > limit:
        return [f"must be less than {limit + 1} characters [json-pointer:{at}/text]"]
    return []
