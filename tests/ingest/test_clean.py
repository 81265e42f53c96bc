"""clean_text and fingerprint on small hand-written examples: LaTeX, images, boilerplate, markdown, unicode."""

from __future__ import annotations

import pytest

from bot.ingest.clean import clean_text, fingerprint, truncate


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (r"with rate $\lambda$ here", "with rate λ here"),
        (r"bound $\epsilon \cdot x$", "bound ϵ · x"),
        (r"$$\frac{a}{b}$$ holds", "a/b holds"),
        (r"inline \(\alpha\) and \[\beta\]", "inline α and β"),
        (r"activation $\text{ReLU}$ units", "activation ReLU units"),
        (r"as in R-CNN \cite{girshick14} and \citep[p.~3]{x}.", "as in R-CNN and."),
    ],
)
def test_latex_becomes_readable_text(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_subscripts_stay_readable() -> None:
    assert clean_text("the $L_2$ norm") in {"the L_2 norm", "the L₂ norm"}


@pytest.mark.parametrize(
    "raw",
    [
        "$5 for $x",
        r"costs \$5",
        "unbalanced $ \\frac{ here",
        "$$$$",
        "`echo $HOME`",
        "<span>$</span>",
        "&#36;",
    ],
)
def test_no_dollar_survives(raw: str) -> None:
    assert "$" not in clean_text(raw)


def test_escaped_currency_reads_as_usd() -> None:
    assert clean_text(r"it costs \$5 per run") == "it costs USD 5 per run"


@pytest.mark.parametrize(
    "raw",
    [
        "Before ![a diagram](https://example.org/fig.png) after",
        'Before ![Example](https://example.org/fig.jpg?raw=true "Example") after',
        "Before [![shot](https://example.org/a.png)](https://example.org/a.png) after",
        "Before https://i.imgur.com/AbCdEf1.png after",
        'Before https://example.org/images/plot.gif?raw=true "Results") after',
        "Before ![]() after",
        "Before ![]() ![]() after",
    ],
)
def test_images_are_dropped(raw: str) -> None:
    assert clean_text(raw) == "Before after"


@pytest.mark.parametrize(
    "raw",
    [
        "Good results. Also find this summary at [example.net](https://example.net/reading/).",
        "Good results. Also see this summary on [example.net](https://example.net/).",
        "Good results. Also found this summary at example.net.",
        "Summary by the first author [on a forum](https://forum.example/1). Good results.",
        "Good results.\n1 Comments",
    ],
)
def test_site_boilerplate_is_dropped(raw: str) -> None:
    assert clean_text(raw) == "Good results."


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("**bold** and __strong__ and *it* and _em_", "bold and strong and it and em"),
        ("## Task Detect cats ## Method Count", "Task Detect cats Method Count"),
        ("* first point * second point", "first point • second point"),
        ("use `x = f(y)` here", "use x = f(y) here"),
        ("see [the docs](https://example.org/docs) now", "see the docs now"),
        ("see [the docs][1] now [1]: https://example.org/docs", "see the docs now"),
        ("keeps snake_case_names and 2*3", "keeps snake_case_names and 2*3"),
        ("naked https://example.org/page stays", "naked https://example.org/page stays"),
        ("# Abstract >Quoted text", "Abstract Quoted text"),
    ],
)
def test_markdown_becomes_plain_text(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<b>bold</b> x<sub>2</sub><br/>next", "bold x2 next"),
        ("fish &amp; chips &lt;3 &eacute;", "fish & chips <3 é"),
        ("cafÃ© au lait", "café au lait"),
        ("cafe\u0301", "café"),
        ("a\x00b\x07c \u200f\u202edone", "abc done"),
        ("a\x00b\x07c done", "abc done"),
        ("  spread \n\n out\t text  ", "spread out text"),
    ],
)
def test_html_unicode_and_whitespace(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_empty_and_markup_only_inputs_clean_to_empty() -> None:
    assert clean_text("") == ""
    assert clean_text("![]() https://i.imgur.com/x.png |") == ""


def test_fingerprint_ignores_punctuation_hyphens_case_and_stray_images() -> None:
    base = fingerprint("State-of-the-art results on CIFAR-10, see Fig. 1!")
    assert fingerprint("stateoftheart results on CIFAR10 see Fig 1 ![]()") == base
    assert fingerprint("STATE OF THE ART results on cifar 10; see fig. 1 https://i.imgur.com/x.png") == base
    assert fingerprint("Tramèr et al.") == fingerprint("Tramer et al")


def test_fingerprint_tells_different_texts_apart() -> None:
    assert fingerprint("A model for cats.") != fingerprint("A model for dogs.")
    assert fingerprint("x") != fingerprint("")


def test_fingerprint_is_a_stable_hex_digest() -> None:
    digest = fingerprint("Stable text")
    assert digest == fingerprint("Stable text")
    assert len(digest) == 64 and int(digest, 16) >= 0


def test_truncate_cuts_at_a_word_boundary() -> None:
    assert truncate("short", 10) == "short"
    assert truncate("one two three four", 12) == "one two…"
    assert len(truncate("x" * 200, 90)) == 90
