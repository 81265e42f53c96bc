"""`paperbot ask`: the /papers chat commands from a terminal, on a fresh SQLite store."""

from __future__ import annotations

import json
import re

import bibtexparser
import pytest

from app.cli.main import app

ADVERSARIAL = "Adversarial patches fool detectors"
GRAPHS = "Graph networks for molecules"


@pytest.fixture
def ids(runner, tmp_path) -> dict[str, str]:
    """Two ingested papers: headline -> id."""
    papers = tmp_path / "papers.jsonl"
    records = [
        {
            "title": ADVERSARIAL,
            "authors": ["A. Author"],
            "url": "https://example.org/a",
            "summary": "We show that printed adversarial patches fool object detectors in the physical world.",
        },
        {
            "title": GRAPHS,
            "authors": ["B. Author"],
            "url": "https://example.org/b",
            "summary": "Message passing over molecular graphs predicts chemical properties.",
        },
    ]
    papers.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    assert invoke(runner, "ingest", str(papers)).exit_code == 0
    listed = invoke(runner, "list", "--json").stdout.splitlines()
    return {record["headline"]: record["id"] for record in map(json.loads, listed)}


def invoke(runner, *args):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_saved_export_bibtex_writes_a_new_file_each_time_and_never_overwrites(runner, ids, tmp_path):
    saved = invoke(runner, "ask", f"save {ids[GRAPHS]}")
    assert saved.exit_code == 0 and f"Saved “{GRAPHS}”" in saved.output

    exports = tmp_path / "exports"  # not there yet: made on first export
    first = invoke(runner, "ask", "/papers saved export bibtex", "--out", str(exports))
    assert first.exit_code == 0, first.output
    written = exports / "reading-list.bib"
    assert f"wrote {written}" in first.output
    entries = bibtexparser.parse_string(written.read_text(encoding="utf-8")).entries
    assert [entry["title"] for entry in entries] == [GRAPHS]
    before = written.read_bytes()

    second = invoke(runner, "ask", "saved export bibtex", "--out", str(exports))
    copy = exports / "reading-list (1).bib"
    assert second.exit_code == 0 and f"wrote {copy}" in second.output
    assert written.read_bytes() == before and copy.read_bytes() == before

    markdown = invoke(runner, "ask", "saved", "export", "markdown")  # unquoted words work too; default --out is .
    assert markdown.exit_code == 0 and GRAPHS in (tmp_path / "reading-list.md").read_text(encoding="utf-8")


def test_an_unwritable_out_is_one_line(runner, ids, tmp_path):
    assert invoke(runner, "ask", "save", ids[GRAPHS]).exit_code == 0
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    result = invoke(runner, "ask", "saved export bibtex", "--out", str(blocker))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.startswith("error: cannot write reading-list.bib") and len(result.output.splitlines()) == 1
    assert blocker.read_text(encoding="utf-8") == "not a directory"


def test_reading_lists_are_per_user(runner, ids):
    assert invoke(runner, "ask", "save", ids[ADVERSARIAL], "--user", "ada").exit_code == 0
    theirs = invoke(runner, "ask", "saved", "--user", "ada")
    mine = invoke(runner, "ask", "saved")
    assert ADVERSARIAL in theirs.output and ids[ADVERSARIAL] in theirs.output
    assert mine.exit_code == 0 and "Your reading list is empty" in mine.output


def test_search_prints_the_matching_papers_headline_and_id(runner, ids):
    result = invoke(runner, "ask", "search adversarial")
    assert result.exit_code == 0, result.output
    assert ADVERSARIAL in result.output and ids[ADVERSARIAL] in result.output
    assert GRAPHS not in result.output


def test_digest_posts_to_the_terminal_then_says_nothing_is_new(runner, ids):
    first = invoke(runner, "ask", "digest")
    assert first.exit_code == 0, first.output
    assert ADVERSARIAL in first.output and GRAPHS in first.output and "Posted a digest of 2 papers" in first.output
    again = invoke(runner, "ask", "digest")
    assert again.exit_code == 0 and "No new papers" in again.output and ADVERSARIAL not in again.output


def test_unknown_command_is_one_line_naming_the_commands(runner):
    result = invoke(runner, "ask", "frobnicate everything")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Unknown command 'frobnicate'" in result.output and "search" in result.output and "help" in result.output


def test_a_10_kb_query_is_refused_in_one_line(runner):
    result = invoke(runner, "ask", "search " + "adversarial " * 850)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1 and "too long" in result.output and "500" in result.output


def test_ask_has_help(runner):
    result = invoke(runner, "ask", "--help")
    assert result.exit_code == 0 and "--out" in result.output and "--user" in result.output
    assert "ask" in invoke(runner, "--help").output


def test_a_word_that_looks_like_an_option_is_part_of_the_command(runner, ids):
    result = invoke(runner, "ask", "search", "-graph", "--user", "ada")  # --user is ask's own; -graph is text
    assert result.exit_code == 0, result.output
    assert "for '-graph'" in result.output and GRAPHS in result.output


def test_show_says_when_a_paper_was_published_or_that_its_date_is_unknown(runner, ids):
    shown = invoke(runner, "show", ids[GRAPHS])
    assert shown.exit_code == 0 and "date unknown" in shown.output  # the record had no `published`


def test_an_empty_digest_counts_what_matches_the_channel_and_status_counts_what_waits(runner, ids):
    assert invoke(runner, "ask", "subscribe", "molecules").exit_code == 0
    status = invoke(runner, "status")
    assert status.exit_code == 0 and re.search(r"console\S*\s.*\s1\s*│\s*$", status.output, re.M), status.output
    assert invoke(runner, "digest").exit_code == 0  # sends the graphs paper
    assert invoke(runner, "ask", "subscribe", "zzzqqq").exit_code == 0
    assert invoke(runner, "ask", "unsubscribe", "molecules").exit_code == 0
    empty = invoke(runner, "digest")
    assert empty.exit_code == 0
    shown = " ".join(empty.output.split())
    assert "1 of the 2 papers stored went to it; none of the others matches its topics ('zzzqqq')" in shown
    assert re.search(r"console\S*\s.*\s0\s*│\s*$", invoke(runner, "status").output, re.M)


def test_the_console_gets_the_quiet_day_notice_like_any_channel(runner, ids):
    assert invoke(runner, "ask", "subscribe", "zzzqqq").exit_code == 0
    assert invoke(runner, "ask", "quiet", "notice").exit_code == 0
    empty = invoke(runner, "digest")
    assert empty.exit_code == 0 and "No new papers today" in empty.output and "went to it" not in empty.output
