"""Turn scraped markdown-with-LaTeX into plain, displayable text, and fingerprint it for deduplication.

Scraped summaries mix flattened markdown, MathJax, image links and site boilerplate. Chat platforms show none of that
well, so everything is reduced to readable plain text here, once, at ingest; later layers can trust `Paper.text`.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import logging
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import ftfy

log = logging.getLogger(__name__)

MAX_MATH_LENGTH = 1000  # longer "formulas" are almost surely unbalanced `$` soup; strip them instead of parsing
MAX_MATH_SEGMENTS = 200  # bounds pylatexenc's cost on hostile input; the rest are stripped

_INVISIBLE = re.compile("[\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")  # + lone surrogates
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_CITE = re.compile(r"\\(?:cite[pt]?|nocite)\*?(?:\[[^\]]{0,200}\])*\{[^}]{0,500}\}")
_FENCED = re.compile(r"```+(?:[\w+-]*\s)?(.*?)```+", re.S)
_CODE = re.compile(r"`([^`\n]{1,500})`")
_CURRENCY = re.compile(r"\\\$")
_MATH = re.compile(
    r"\$\$(?P<d>[^$]{1,5000}?)\$\$|\\\[(?P<b>.{1,5000}?)\\\]|\\\((?P<p>.{1,5000}?)\\\)|\$(?P<i>[^$]{1,5000}?)\$", re.S
)
_IMAGE_MD = re.compile(  # `![alt](src "title")`, `![alt][ref]`, and the linked form `[![alt](src)](href)`
    r"(\[\s*)?!\[[^\]\n]{0,500}\](?:\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"\n]{0,300}\")?\s*\)|\[[^\]\n]{0,100}\])"
    r"(?(1)\s*\]\([^()\s]*\))"
)
_IMAGE_URL = re.compile(
    r"(?:https?://|www\.)(?:i\.)?imgur\.com/\S*"
    r"|(?:https?://|www\.)\S+?\.(?:png|jpe?g|gif|svg|webp|bmp)(?:\?[^\s)\]]*)?(?:\s+\"[^\"\n]{0,300}\"\)?)?",
    re.I,
)
_URL = re.compile(r"(?:https?://|www\.)\S+", re.I)
_LINK = re.compile(r"\[([^\]\n]{0,500})\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"\n]{0,300}\")?\)")
_BOILERPLATE = re.compile(
    r"(?:\balso\s+)?\b(?:find|found|see|view|read|posted|available)\s+this\s+summary\s+(?:at|on)\b\s*"
    r"(?:\[[^\]]*\]\([^)]*\)|[^\s.]+(?:\.[^\s.]+)*)?\.?"
    r"|(?:^|(?<=[.!?]\s))summary\s+by\s+[^.!?]{0,200}(?:[.!?]|$)|\bwelcome\s+to\s+shortscience\.org!?"
    r"|(?<!\S)\d+\s+comments?(?!\S)",
    re.I,
)
_INLINE_TAG = re.compile(
    r"</?(?:a|abbr|b|code|del|em|font|i|ins|kbd|s|small|span|strike|strong|sub|sup|u)\b[^<>]*>", re.I
)
_BLOCK_TAG = re.compile(
    r"</?(?:blockquote|br|center|dd|div|dl|dt|h[1-6]|hr|img|li|ol|p|pre|table|tbody|td|th|thead|tr|ul)\b[^<>]*>", re.I
)
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-f]{1,6}|[a-z][a-z0-9]{1,31});?", re.I)
_EMPHASIS = re.compile(
    r"(?<![\w*])\*(?=\S)([^*\n]{1,300}?)(?<=\S)\*(?![\w*])|(?<!\w)_(?=\S)([^_\n]{1,300}?)(?<=\S)_(?!\w)"
)
_Replacement = str | Callable[[re.Match[str]], str]
_MARKDOWN: list[tuple[tuple[str, ...], re.Pattern[str], _Replacement]] = [  # (cheap guard substrings, pattern, repl)
    (("<!--",), re.compile(r"<!--.*?-->", re.S), " "),
    (("<",), _INLINE_TAG, ""),
    (("<",), _BLOCK_TAG, " "),
    (("&",), _ENTITY, lambda m: html.unescape(m[0])),
    (("<http", "<mailto"), re.compile(r"<((?:https?|mailto):[^\s<>]+)>"), r"\1"),
    (("](",), _LINK, r"\1"),
    (("]:",), re.compile(r"(?<!\S)\[[^\]\n]{1,100}\]:\s*\S+"), " "),  # reference definitions: `[1]: https://...`
    (("][",), re.compile(r"\[([^\]\n]{1,500})\]\[[^\]\n]{0,100}\]"), r"\1"),  # reference links: `[text][1]`
    (("ummary", "omment", "ShortScience"), _BOILERPLATE, " "),
    (("---", "***", "___"), re.compile(r"(?<!\S)(?:-{3,}|\*{3,}|_{3,})(?!\S)"), " "),
    (("#",), re.compile(r"(?<!\S)#{1,6}(?=[\s*_\[]|$)"), " "),
    (("**", "__"), re.compile(r"\*\*([^*\n]{1,300}?)\*\*|(?<!\w)__([^_\n]{1,300}?)__(?!\w)"), lambda m: m[1] or m[2]),
    (("*", "_"), _EMPHASIS, lambda m: m[1] or m[2]),
    (("*",), re.compile(r"(?<!\S)\*+(?=\w)"), ""),  # a stray opening `*` whose closing one was lost
    (("*", "+"), re.compile(r"(?<!\S)(?:\*|\+(?=\s+[A-Z(]))(?=\s)"), "•"),  # flattened bullets
    ((">",), re.compile(r"(?<!\S)>(?=\s?[A-Za-z])"), ""),  # blockquote markers
    (("\\",), re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])"), r"\1"),  # markdown escapes
]
_PLACEHOLDER = re.compile(r"\x00(\d+)\x00")
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")
_BULLET_RUN = re.compile(r"•(?:\s*•)+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:!?](?:\s|$))")
_WHITESPACE = re.compile(r"\s+")
_NO_ARG_MACRO = re.compile(r"\\([A-Za-z]+)(?=\s)")
_LATEX_MACRO = re.compile(r"\\([A-Za-z]+|.)")
_NON_WORD = re.compile(r"[\W_]+")
_BRACES = str.maketrans("{}$", "   ")


def clean_text(raw: str) -> str:
    """Return readable plain text; never raises, because one hostile summary must not stop an ingest run."""
    try:
        return _clean(raw)
    except Exception:  # any parser failure degrades to crude stripping, by design
        log.debug("clean_text fell back to stripping", exc_info=True)
        return _strip(raw)


def fingerprint(text: str) -> str:
    """Hash an aggressively normalized form, so rescrapes differing in punctuation, hyphens or images collide."""
    folded = unicodedata.normalize("NFKD", _URL.sub(" ", _IMAGE_MD.sub(" ", text)).casefold())
    folded = _NON_WORD.sub("", folded)  # \W also drops the combining marks NFKD split off
    return hashlib.sha256(folded.encode("utf-8", "surrogatepass")).hexdigest()


def truncate(text: str, limit: int) -> str:
    """Shorten to at most `limit` characters at a word boundary, marking the cut with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-–—(") + "…"


def _clean(raw: str) -> str:
    text = _normalize(raw)
    kept: list[str] = []

    def keep(value: str) -> str:
        kept.append(value)
        return f"\x00{len(kept) - 1}\x00"

    if "\\" in text:
        text = _CITE.sub("", text)
    if "`" in text:
        text = _FENCED.sub(lambda m: keep(m.group(1)), text)
        text = _CODE.sub(lambda m: keep(m.group(1)), text)
    if "![" in text:
        text = _IMAGE_MD.sub(" ", text)
    if "://" in text or "www." in text:
        text = _IMAGE_URL.sub(" ", text)
    if "$" in text or "\\" in text:
        text = _CURRENCY.sub(lambda m: keep("USD "), text)
        segments = itertools.count()
        text = _MATH.sub(lambda m: keep(_math_to_text(_math_body(m), next(segments) < MAX_MATH_SEGMENTS)), text)
    for needles, pattern, replacement in _MARKDOWN:
        if any(needle in text for needle in needles):
            text = pattern.sub(replacement, text)
    return _tidy(_restore(text, kept))


def _normalize(raw: str) -> str:
    """Fix mojibake, compose accents and drop control/bidi characters that only confuse chat clients."""
    if not raw.isascii():  # ASCII cannot hold mojibake; skipping ftfy there halves the cost of a corpus
        raw = ftfy.fix_text(raw, unescape_html=False, normalization="NFC")
        raw = _INVISIBLE.sub("", raw)
    return _CONTROL.sub("", raw)


def _restore(text: str, kept: list[str]) -> str:
    """Put protected code and math back; a formula may hold a code span, hence more than one pass."""
    for _ in range(3):
        text, count = _PLACEHOLDER.subn(lambda m: kept[int(m.group(1))], text)
        if not count:
            break
    return text


def _tidy(text: str) -> str:
    text = _CONTROL.sub("", text.replace("$", ""))  # entities can spell control characters
    text = _EMPTY_BRACKETS.sub(" ", text)
    text = _WHITESPACE.sub(" ", text)
    text = _BULLET_RUN.sub("•", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    return unicodedata.normalize("NFC", text).strip(" •|")


def _math_body(match: re.Match[str]) -> str:
    return next(group for group in match.groups() if group is not None)


@lru_cache(maxsize=4096)
def _math_to_text(latex: str, parse: bool) -> str:
    """Render LaTeX as unicode text (`\\lambda` -> λ), stripping instead where parsing is unsafe or fails."""
    if not parse or len(latex) > MAX_MATH_LENGTH:
        return _strip_latex(latex)
    source = _NO_ARG_MACRO.sub(_keep_space_after_macro, latex.replace(r"\|", "‖"))
    try:
        rendered = _latex_renderer().latex_to_text(source, latex_context=_latex_context(), tolerant_parsing=True)
    except Exception:  # pylatexenc raises assorted errors on broken input
        return _strip_latex(latex)
    if "%s" in rendered:  # pylatexenc's placeholder when a macro lacks its arguments
        return _strip_latex(latex)
    return rendered.strip()


def _keep_space_after_macro(match: re.Match[str]) -> str:
    """Append `{}` to argument-less macros so pylatexenc keeps the following space (`\\epsilon x` -> `ϵ x`)."""
    spec = _latex_context().get_macro_spec(match.group(1))
    takes_args = spec is not None and bool(getattr(spec.args_parser, "argspec", ""))
    return match.group(0) if takes_args else match.group(0) + "{}"


@lru_cache(maxsize=1)
def _latex_renderer() -> Any:  # pylatexenc has no type hints
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode="text")


@lru_cache(maxsize=1)
def _latex_context() -> Any:
    from pylatexenc.latexwalker import get_default_latex_context_db

    return get_default_latex_context_db()


def _strip_latex(latex: str) -> str:
    return _WHITESPACE.sub(" ", _LATEX_MACRO.sub(r" \1 ", latex).translate(_BRACES)).strip()


def _strip(raw: str) -> str:
    """Last resort: printable characters only, no markup-looking symbols, collapsed whitespace."""
    try:
        text = "".join(c if c.isprintable() else " " for c in str(raw))
        text = re.sub(r"[$\\{}*_`#<>|]|!\[|\]\(", " ", _URL.sub(" ", text))
        return _WHITESPACE.sub(" ", text).strip()
    except Exception:  # the contract is "never raises"
        return ""
