"""Hostile input every fuzz target draws from: pings, markup injection, control and bidi characters, SQL, 100 kB.

Each text is composed from one drawn seed. Hypothesis spends tens of microseconds per draw, so texts drawn fragment
by fragment (or character by character) cost milliseconds per example and minutes per 1,000-example target; a seed
is one draw, and a failing example still prints the exact input that failed.
"""

from __future__ import annotations

import random
import string
from functools import partial

from hypothesis import strategies as st

from bot.chat.catalog import CATALOG

PINGS = [
    "@everyone",
    "@here",
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U0123ABCD>",
    "<@W0123ABCD|ada>",
    "<@123456789012345678>",
    "<@!123456789012345678>",
    "<@&223456789012345678>",
    "<#C0123ABCD>",
    "<!subteam^S0123|@team>",
    "<!date^1392734382^{date}|x>",
]
MARKUP = [
    "*bold*",
    "**bold**",
    "_it_",
    "__u__",
    "~~gone~~",
    "~x~",
    "`code`",
    "```\nfence\n```",
    "||spoiler||",
    "> quote",
    "# heading",
    "- list",
    "1. item",
    "[click](https://evil.example)",
    "<https://evil.example|click>",
    "<javascript:alert(1)|x>",
    "&amp;",
    "&lt;",
    "&#0;",
    "<b>",
    "</div>",
    "<script>x</script>",
    "$x$",
    "$$",
    "\\frac{",
    "![](",
    "[link]",
    " |",
    "\\",
    "<",
    ">",
    "&",
    "|",
    "]]>",
    "<![CDATA[",
    "-->",
    "} @misc(pwned, title = {Forged}) @comment(",
    "{",
    "}",
    "@",
    "#",
    ")](https://evil.example) [x](",
    "%0A",
]
SQL = [
    "'; DROP TABLE papers; --",
    '" OR 1=1 --',
    "' OR '1'='1",
    "%",
    "_",
    "NEAR(",
    "MATCH",
    "*",
    "AND",
    "OR NOT",
    "/* */",
    ";",
    "\\x00",
    "'",
    '"',
    "(",
    ")",
    ":",
    "^",
]
CONTROL = ["\x00", "\x07", "\x08", "\x1b[31m", "\x7f", "\x85", "\r\n", "\r", "\n", "\t", "\v", "\f", "\u2028"]
BIDI = ["\u200b", "\u200d", "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069", "\ufeff", "\u0301", "\ufffd"]
OTHER = [
    "😀",
    "λ",
    "ﷺ",
    "🏳️‍🌈",
    "../../etc/passwd",
    "%s%n",
    "{0}",
    "$(reboot)",
    "NaN",
    "-1",
    "99999999999999999999",
    "25:99",
    "07:30",
    "Europe/Berlin",
    "Mars/Olympus",
    "2401.00001",
    "arXiv:2401.00001v2",
    " ",
    " ",
    " ",
    "  ",
    "²",
    "٣",
    "０９",
    "¹⁰",
    "09:0²",
    "Rozsa et al.",
    "TL;DR:",
    "http://127.0.0.1:8080/admin",
    "http://169.254.169.254/",
]
SURROGATE = "\ud800"  # a lone surrogate: JSON can carry one, UTF-8 (files, HTTP forms, the store) cannot
FRAGMENTS = PINGS + MARKUP + SQL + CONTROL + BIDI + OTHER

# About 100 kB each, drawn whole.
HUGE = [
    "@everyone " * 10_000,
    "<!channel> " * 9_100,
    "a" * 100_000,  # one giant word: no boundary to cut at
    "\u202e\u200fx " * 25_000,
    "**_`~|" * 16_700,
    "'; DROP TABLE papers; -- " * 4_000,
]
HUGE_ONE_IN = 40  # share of texts that are huge: enough to reach every target, few enough to keep them fast
_WORD = string.ascii_letters + string.digits
# Where random code points come from: ASCII (controls included), Latin, punctuation and bidi controls, anything.
_RANGES = [(0x00, 0x7F), (0x80, 0x24F), (0x2000, 0x206F), (0x00, 0x10FFFF)]


def compose(seed: int, max_parts: int = 8, huge: bool = True, surrogates: bool = True) -> str:
    """The hostile text `seed` stands for: up to `max_parts` fragments, words and random characters, or 100 kB."""
    rng = random.Random(seed)
    if huge and rng.randrange(HUGE_ONE_IN) == 0:
        return rng.choice(HUGE)
    parts: list[str] = []
    for _ in range(rng.randint(0, max_parts)):
        kind = rng.random()
        if kind < 0.45:
            parts.append(rng.choice(FRAGMENTS))
        elif kind < 0.75:
            parts.append("".join(rng.choices(_WORD, k=rng.randint(1, 12))))
        elif kind < 0.78 and surrogates:
            parts.append(SURROGATE)
        else:
            parts.append("".join(_char(rng) for _ in range(rng.randint(1, 6))))
    return "".join(parts)


def _char(rng: random.Random) -> str:
    low, high = rng.choice(_RANGES)
    point = rng.randint(low, high)
    return chr(point) if not 0xD800 <= point <= 0xDFFF else "\ufffd"


def hostile_text(max_parts: int = 8, *, huge: bool = True, surrogates: bool = True) -> st.SearchStrategy[str]:
    """Hostile text (see `compose`); `surrogates=False` for input that came as UTF-8 or out of the store."""
    return st.integers(0, 2**63).map(partial(compose, max_parts=max_parts, huge=huge, surrogates=surrogates))


# Every command in the catalog, none, one in capitals and one that does not exist.
SUBCOMMANDS = [*CATALOG.names, "", "SEARCH", "nonsense"]


def command_text(seed: int) -> str:
    """What a user may type after /papers: a subcommand (or none, or a bogus one), then hostile words and times."""
    rng = random.Random(seed)
    words = [rng.choice(SUBCOMMANDS)]
    for _ in range(rng.randint(0, 5)):
        if rng.random() < 0.2:
            words.append(f"{rng.randint(0, 30)}:{rng.randint(0, 70):02d}")
        elif rng.random() < 0.05:
            words.append(rng.choice(["²", "٣", "1\x00", "09:00\x00", "\x1b[31m"]))
        else:
            words.append(compose(rng.getrandbits(63), max_parts=3, huge=rng.randrange(8) == 0, surrogates=False))
    return " ".join(words)


command_texts = st.integers(0, 2**63).map(command_text)
"""Commands without lone surrogates: neither platform delivers them, and the store cannot encode them (see
tests/fuzz/test_commands_fuzz.py::test_a_lone_surrogate_in_a_command_gets_a_clear_reply)."""
