"""Slack's own Block Kit limits, as the fake Web API enforces them (https://api.slack.com/reference/block-kit).

Deliberately independent of `adapters.slack.render`: a renderer test that compared against the renderer's own constants
would pass whatever those constants said. `block_errors` answers with Slack's wording and JSON pointers, which the fake
returns under `invalid_blocks`; `view_errors` does the same for a view (views.publish: the App Home).
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
MAX_CONTEXT_ACTIONS_ELEMENTS = 5  # feedback_buttons and icon_button only
MAX_BLOCK_ID = 255
MAX_ACTION_ID = 255
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_URL = 3000
MAX_OVERFLOW_OPTIONS = 5
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 75
MAX_VIEW_BLOCKS = 100  # a modal or the App Home: twice a message's
MAX_PRIVATE_METADATA = 3000
TEXT_TYPES = ("plain_text", "mrkdwn")
BLOCK_TYPES = (
    "section",
    "header",
    "context",
    "actions",
    "context_actions",
    "divider",
    "image",
    "rich_text",
    "input",
    "file",
    "video",
    "markdown",
)


def block_errors(blocks: Any, limit: int = MAX_BLOCKS) -> list[str]:
    """Every way `blocks` breaks Slack's limits, as Slack words it; empty when Slack would accept them."""
    if not isinstance(blocks, list):
        return ["must be an array [json-pointer:/blocks]"]
    errors = _count(blocks, limit, "/blocks")
    seen: set[str] = set()
    for number, block in enumerate(blocks):
        errors += _block(block, f"/blocks/{number}")
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if block_id is not None and block_id in seen:
            errors.append(f"duplicate block_id {block_id!r} [json-pointer:/blocks/{number}/block_id]")
        seen.add(block_id)
    return errors


def view_errors(view: Any) -> list[str]:
    """Every way a view (views.publish's `view`) breaks Slack's limits; a home tab holds up to 100 blocks."""
    if not isinstance(view, dict) or view.get("type") not in ("home", "modal"):
        return ["must be a view of type home or modal [json-pointer:/view/type]"]
    errors = [
        error.replace("json-pointer:/", "json-pointer:/view/")
        for error in block_errors(view.get("blocks"), MAX_VIEW_BLOCKS)
    ]
    if len(str(view.get("private_metadata", ""))) > MAX_PRIVATE_METADATA:
        errors.append(f"must be less than {MAX_PRIVATE_METADATA + 1} characters [json-pointer:/view/private_metadata]")
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
        if "accessory" in block:
            errors += _element(block["accessory"], f"{at}/accessory")
    elif kind == "context":
        elements = block.get("elements") or []
        if not elements:
            errors.append(f"must provide at least 1 items [json-pointer:{at}/elements]")
        errors += _count(elements, MAX_CONTEXT_ELEMENTS, f"{at}/elements")
        for number, element in enumerate(elements):
            if isinstance(element, dict) and element.get("type") in TEXT_TYPES:
                errors += _text(element, MAX_TEXT, f"{at}/elements/{number}")
    elif kind == "actions":
        elements = block.get("elements") or []
        errors += _count(elements, MAX_ACTIONS_ELEMENTS, f"{at}/elements")
        errors += _elements(elements, at, ("button", "overflow", "static_select", "datepicker"))
    elif kind == "context_actions":
        elements = block.get("elements") or []
        if not elements:
            errors.append(f"must provide at least 1 items [json-pointer:{at}/elements]")
        errors += _count(elements, MAX_CONTEXT_ACTIONS_ELEMENTS, f"{at}/elements")
        errors += _elements(elements, at, ("feedback_buttons", "icon_button"))
    return errors


def _elements(elements: list[Any], at: str, kinds: tuple[str, ...]) -> list[str]:
    """An actions block's elements: of a kind the block takes, each valid, action_ids unique within the block."""
    errors: list[str] = []
    seen: set[str] = set()
    for number, element in enumerate(elements):
        where = f"{at}/elements/{number}"
        if not isinstance(element, dict) or element.get("type") not in kinds:
            errors.append(f"unsupported type [json-pointer:{where}/type]")
            continue
        errors += _element(element, where)
        action_id = element.get("action_id")
        if action_id is not None and action_id in seen:
            errors.append(f"duplicate action_id {action_id!r} [json-pointer:{where}/action_id]")
        seen.add(action_id)
    return errors


def _element(element: Any, at: str) -> list[str]:
    """One interactive element: a button, an overflow menu, a pair of feedback buttons."""
    if not isinstance(element, dict):
        return [f"must be an object [json-pointer:{at}]"]
    errors = _length(element.get("action_id"), MAX_ACTION_ID, f"{at}/action_id")
    kind = element.get("type")
    if kind in ("button", "icon_button"):
        errors += _text(element.get("text"), MAX_BUTTON_TEXT, f"{at}/text", types=("plain_text",))
        errors += _length(element.get("value"), MAX_BUTTON_VALUE, f"{at}/value")
        errors += _length(element.get("url"), MAX_URL, f"{at}/url")
    elif kind == "overflow":
        options = element.get("options") or []
        if not options:
            errors.append(f"must provide at least 1 items [json-pointer:{at}/options]")
        errors += _count(options, MAX_OVERFLOW_OPTIONS, f"{at}/options")
        for number, option in enumerate(options):
            where = f"{at}/options/{number}"
            errors += _text((option or {}).get("text"), MAX_OPTION_TEXT, f"{where}/text", types=("plain_text",))
            errors += _length(option.get("value"), MAX_OPTION_VALUE, f"{where}/value")
            errors += _length(option.get("url"), MAX_URL, f"{where}/url")
    elif kind == "feedback_buttons":
        for side in ("positive_button", "negative_button"):
            button = element.get(side)
            if not isinstance(button, dict):
                errors.append(f"must provide an object [json-pointer:{at}/{side}]")
                continue
            errors += _text(button.get("text"), MAX_BUTTON_TEXT, f"{at}/{side}/text", types=("plain_text",))
            if not button.get("value"):
                errors.append(f"must be more than 0 characters [json-pointer:{at}/{side}/value]")
            errors += _length(button.get("value"), MAX_BUTTON_VALUE, f"{at}/{side}/value")
    return errors


def _length(value: Any, limit: int, at: str) -> list[str]:
    return (
        [f"must be less than {limit + 1} characters [json-pointer:{at}]"] if value and len(str(value)) > limit else []
    )


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
