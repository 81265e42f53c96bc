"""`paperbot sources list|fetch` and `paperbot status` against a local feed server and a fresh SQLite store."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from app.cli.main import app
from testing.feed_server import Document


@pytest.fixture
def runner(tmp_path, monkeypatch, feed_server, columns):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PAPERBOT_DATABASE__URL", f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}")
    columns(250)
    (tmp_path / "config.toml").write_text(
        f"""
[fetch]
contact = "mailto:ops@example.org"
retry_attempts = 1

[[sources]]
name = "cs-lg"
kind = "arxiv-listing"
url = "{feed_server.url}/rss"
categories = ["cs.LG"]

[[sources]]
name = "lab-blog"
kind = "rss"
url = "{feed_server.url}/blog.xml"
"""
    )
    return CliRunner()


def invoke(runner, *args):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_fetch_stores_new_papers_summarizes_them_and_list_shows_the_source_healthy(runner, feed_server):
    feed_server.serve_fixture("/rss/cs.LG", "arxiv_listing.xml")

    fetched = invoke(runner, "sources", "fetch", "cs-lg")
    listed = invoke(runner, "sources", "list")
    papers = invoke(runner, "list")

    assert fetched.exit_code == 0, fetched.output
    assert "cs-lg: 4 new papers" in fetched.stdout and "summarized 4 papers" in fetched.output
    assert "2401.00004" in papers.stdout
    row = next(line for line in listed.stdout.splitlines() if "cs-lg" in line)
    assert "arxiv-listing" in row and "UTC" in row and "failing" not in row


def test_a_failing_source_is_one_red_line_exit_1_and_shows_in_status(runner, feed_server):
    feed_server.documents["/blog.xml"] = Document(b"<html><body>Service Unavailable</body></html>", "text/html")
    fetched = invoke(runner, "sources", "fetch", "lab-blog")
    status = invoke(runner, "status")

    assert fetched.exit_code == 1
    [error] = [line for line in fetched.output.splitlines() if line.startswith("error:")]
    assert "HTML" in error and "lab-blog" not in error.split(":", 1)[0]
    assert "failing since" in status.stdout and "HTML" in status.stdout


def test_fetch_all_goes_on_past_a_broken_source(runner, feed_server):
    feed_server.serve_fixture("/rss/cs.LG", "arxiv_listing.xml")  # /blog.xml is missing: 404
    fetched = invoke(runner, "sources", "fetch", "--all")
    assert fetched.exit_code == 1
    assert "404" in fetched.output and "cs-lg: 4 new papers" in fetched.stdout


def test_an_unknown_source_name_is_one_line_naming_the_known_ones(runner):
    result = invoke(runner, "sources", "fetch", "nope")
    assert result.exit_code == 1
    assert "no source named 'nope'" in result.output and "cs-lg, lab-blog" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_source_without_a_url_is_a_one_line_config_error(runner, tmp_path):
    (tmp_path / "config.toml").write_text('[[sources]]\nname = "x"\nkind = "rss"\n')
    result = invoke(runner, "sources", "list")
    assert result.exit_code == 1 and "kind 'rss' needs a url" in result.output


def test_show_prints_the_paper_and_every_community_summary_of_it(runner, feed_server, tmp_path):
    feed_server.serve_fixture("/ss.xml", "shortscience_rss.xml")
    config = f'[[sources]]\nname = "ss"\nkind = "shortscience"\nurl = "{feed_server.url}/ss.xml"\n'
    (tmp_path / "config.toml").write_text(config)
    assert invoke(runner, "sources", "fetch", "ss").exit_code == 0
    shown = invoke(runner, "show", "2401.00001")
    assert shown.exit_code == 0
    assert "summary by Priya Natarajan on shortscience (7 votes)" in shown.stdout
    assert shown.stdout.count("summary by") == 2


def test_fetch_with_enrichment_on_brings_semantic_scholars_tldr_and_standing_to_show(runner, feed_server, tmp_path):
    from testing.semantic_scholar_api import FakeSemanticScholar

    s2 = FakeSemanticScholar().start()
    s2.add(
        "2401.00001",
        title="Sparse Mixtures of Tiny Experts",
        venue="EMNLP",
        citationCount=1204,
        tldr={"model": "tldr@v2.0.0", "text": "Tiny experts make on-device translation fast."},
    )
    config = (tmp_path / "config.toml").read_text()
    (tmp_path / "config.toml").write_text(config + f'\n[semantic_scholar]\nenabled = true\nurl = "{s2.url}"\n')
    feed_server.serve_fixture("/rss/cs.LG", "arxiv_listing.xml")
    try:
        fetched = invoke(runner, "sources", "fetch", "cs-lg")
        shown = invoke(runner, "show", "2401.00001")
        again = invoke(runner, "sources", "enrich")
    finally:
        s2.stop()

    assert fetched.exit_code == 0, fetched.output
    assert "Semantic Scholar: 1 of 4 papers found, 1 TL;DRs, 0 titles filled in (1 requests)" in fetched.stdout
    assert "TL;DR Tiny experts make on-device translation fast." in shown.stdout
    assert "EMNLP · 1,204 citations" in shown.stdout
    assert again.exit_code == 0 and "0 of 0 papers found" in again.stdout  # nothing due until refresh_days pass


def test_enrich_with_enrichment_off_is_one_line(runner):
    result = invoke(runner, "sources", "enrich")
    assert result.exit_code == 1 and "enabled = true under [semantic_scholar]" in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize("file_first", [True, False], ids=["file-then-feed", "feed-then-file"])
def test_a_jsonl_record_and_the_feed_entry_of_the_same_paper_are_one_paper(runner, feed_server, tmp_path, file_first):
    import json

    record = {
        "title": "Pruning Attention Heads with Second-Order Saliency",
        "url": "https://arxiv.org/abs/2401.00004v5",
        "summary": "We prune attention heads using second-order saliency estimates, keeping accuracy.",
    }
    doi_record = {"title": "A DOI paper", "doi": "10.1000/XYZ.42", "summary": "Saliency maps of a journal paper."}
    papers = tmp_path / "papers.jsonl"
    papers.write_text(json.dumps(record) + "\n" + json.dumps(doi_record) + "\n", encoding="utf-8")
    feed_server.serve_fixture("/rss/cs.LG", "arxiv_listing.xml")
    steps = [("ingest", str(papers)), ("sources", "fetch", "cs-lg")]
    for args in steps if file_first else steps[::-1]:
        assert invoke(runner, *args).exit_code == 0
    import_ids = [json.loads(line)["id"] for line in invoke(runner, "list", "--json").stdout.splitlines()]
    assert import_ids.count("2401.00004") == 1 and "doi:10.1000/xyz.42" in import_ids
    assert len(import_ids) == 5  # the feed's four papers and the DOI one: no jl- twin of 2401.00004
    found = invoke(runner, "ask", "search", "pruning attention heads")
    assert found.output.count("Pruning Attention Heads") == 1, found.output


def test_help_keeps_brackets_and_tables_fit_80_columns(runner, feed_server, columns):
    assert "The `[[sources]]` of the config" in invoke(runner, "sources", "list", "--help").output
    assert "([semantic_scholar] enabled" in " ".join(invoke(runner, "sources", "enrich", "--help").output.split())
    feed_server.documents["/blog.xml"] = Document(b"<html><body>Service Unavailable</body></html>", "text/html")
    invoke(runner, "sources", "fetch", "lab-blog")
    assert invoke(runner, "ask", "subscribe", "graphs").exit_code == 0  # the console channel, in the status table
    columns(80)
    for args in (("sources", "list"), ("status",)):
        shown = invoke(runner, *args)
        assert shown.exit_code == 0 and all(len(line) <= 80 for line in shown.stdout.splitlines()), shown.stdout
        rows = {line.split()[0]: line for line in shown.stdout.splitlines() if line.strip()}
        assert "0 6 * * * (UTC)" in rows["cs-lg"] and "failing since" in rows["lab-blog"], shown.stdout
    channel = next(line for line in invoke(runner, "status").stdout.splitlines() if "console:" in line)
    assert "UTC" in channel and channel.split()[-1] == "0"  # next run, last digest ("never") and pending on one line


def test_apscheduler_job_lines_stay_at_debug(monkeypatch):
    import logging

    from app.cli import common

    common._configure_logging(logging.INFO, secrets=[])
    assert not logging.getLogger("apscheduler.executors.default").isEnabledFor(logging.INFO)
    assert logging.getLogger("bot.delivery.scheduler").isEnabledFor(logging.INFO)
    common._configure_logging(logging.DEBUG, secrets=[])
    assert logging.getLogger("apscheduler.executors.default").isEnabledFor(logging.DEBUG)
    logging.getLogger().setLevel(logging.WARNING)
