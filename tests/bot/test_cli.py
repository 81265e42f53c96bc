"""The `paperbot` command end to end on a fresh SQLite store: demo, ingest, list, show, and bad input."""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from typer.core import TyperOption
from typer.main import get_command

from app.cli.main import app

if TYPE_CHECKING:
    from typer._click import Command

ID = re.compile(r"id (ss-[0-9a-f]{12})")


def invoke(runner, *args):
    result = runner.invoke(app, list(args), catch_exceptions=False)
    return result


@pytest.mark.slow
def test_demo_prints_a_digest_and_the_next_run_prints_unseen_papers(runner):
    first = invoke(runner, "demo")
    assert first.exit_code == 0, first.output
    first_ids = ID.findall(first.output)
    assert len(first_ids) == 5 and "Papers for you" in first.output
    second = invoke(runner, "demo")
    second_ids = ID.findall(second.output)
    assert second.exit_code == 0 and second_ids and not set(first_ids) & set(second_ids)

    listing = invoke(runner, "list", "--json")
    records = [json.loads(line) for line in listing.stdout.splitlines()]
    assert len(records) >= 12
    for record in records:
        assert {"id", "headline", "tldr", "url", "source"} <= record.keys()
        assert record["tldr"] and len(record["tldr"].split()) <= 60
    shown = invoke(runner, "show", first_ids[0])
    assert shown.exit_code == 0 and "TL;DR" in shown.output


def test_every_command_has_help(runner):
    for args in (
        ["--help"],
        ["demo", "--help"],
        ["ingest", "--help"],
        ["summarize", "--help"],
        ["list", "--help"],
        ["show", "--help"],
        ["digest", "--help"],
        ["run", "--help"],
        ["db", "upgrade", "--help"],
        ["db", "downgrade", "--help"],
        ["db", "current", "--help"],
        ["model", "fetch", "--help"],
    ):
        result = invoke(runner, *args)
        assert result.exit_code == 0 and "Usage" in result.output, args


def _command_paths(command: Command, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Command]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _command_paths(sub, (*path, name))


def test_no_flag_in_any_help_screen_names_a_type(runner):
    """A flag takes no value, so its help row shows none (typer's rich help printed `--json <bool>`)."""
    screens = 0
    for path, command in _command_paths(get_command(app)):
        result = invoke(runner, *path, "--help")
        assert result.exit_code == 0, path
        flags = [p.opts[0] for p in command.params if isinstance(p, TyperOption) and p.is_flag] + ["--help"]
        for flag in flags:
            row = next(line for line in result.output.splitlines() if re.search(rf"\s{flag}\s", line))
            names_then_type = rf"\s{flag}\s+(?:-[-\w]+\s+)*<"  # the flag's other names (`--no-x`, `-v`), then `<type>`
            assert not re.search(names_then_type, row), (path, row)
        assert not re.search(r"<bool>|\bBOOL(EAN)?\b", result.output), path
        screens += 1
    assert screens > 20  # every group and command, nested ones included


def test_ingest_reports_bad_records_in_one_line_each_and_keeps_the_rest(runner, tmp_path):
    good = {
        "title": "Attention over sets",
        "authors": ["A. Author"],
        "url": "https://example.org/a",
        "summary": "We study attention over unordered sets of vectors and show it generalizes.",
    }
    other = {**good, "title": "Another paper", "url": "https://example.org/b", "summary": "A different result."}
    jsonl = tmp_path / "papers.jsonl"
    jsonl.write_text(json.dumps(good) + "\n{not json\n" + json.dumps(other) + "\n", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    binary = tmp_path / "blob.txt"
    binary.write_bytes(bytes(range(256)) * 4)

    result = invoke(runner, "ingest", str(jsonl), str(empty), str(binary))
    assert result.exit_code == 0
    assert "line 2" in result.output
    assert "ingested 2 new papers" in result.output
    again = invoke(runner, "ingest", str(jsonl))
    assert "ingested 0 new papers (2 already known" in again.output


def test_show_unknown_id_is_one_line(runner):
    result = invoke(runner, "show", "no-such-paper")
    assert result.exit_code == 1
    assert "no paper has id 'no-such-paper'" in result.output
    assert "Traceback" not in result.output


def test_bad_config_is_one_line(runner, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[digest]\nsize = 'lots'\n", encoding="utf-8")
    result = invoke(runner, "--config", str(bad), "list")
    assert result.exit_code == 1 and "digest.size" in result.output and "Traceback" not in result.output


def test_missing_model_is_one_line_saying_how_to_get_it(runner, tmp_path, monkeypatch):
    papers = tmp_path / "p.jsonl"
    papers.write_text(json.dumps({"title": "T", "summary": "Some summary text here."}) + "\n", encoding="utf-8")
    assert invoke(runner, "ingest", str(papers)).exit_code == 0
    monkeypatch.setenv("PAPERBOT_SUMMARIZER__KIND", "abstractive")
    monkeypatch.setenv("PAPERBOT_SUMMARIZER__MODEL", "example-org/no-such-summarizer")
    result = invoke(runner, "summarize")
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "paperbot model fetch example-org/no-such-summarizer" in errors[0]
    assert "Traceback" not in result.output


def test_unreadable_store_is_one_line(runner, tmp_path, monkeypatch):
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"this is not a database file" * 100)
    monkeypatch.setenv("PAPERBOT_DATABASE__URL", f"sqlite:///{broken}")
    result = invoke(runner, "list")
    assert result.exit_code == 1 and "not a database" in result.output and "Traceback" not in result.output


def _one_error_line(result) -> str:
    """The command failed with exit 1 and exactly one `error:` line, no traceback; return that line."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    return errors[0]


@pytest.mark.parametrize("damage", ["random bytes", "truncated"])
def test_damaged_store_is_one_line_saying_how_to_recover(runner, tmp_path, damage):
    store = tmp_path / "bot.sqlite3"
    assert invoke(runner, "list").exit_code == 0  # a real store, made by the CLI itself
    data = store.read_bytes()
    store.write_bytes(bytes(range(256)) * (len(data) // 256) if damage == "random bytes" else data[: len(data) // 3])
    line = _one_error_line(invoke(runner, "list"))
    assert str(store) in line and ("not a database" in line or "malformed" in line)
    assert "paperbot db restore" in line


def test_store_from_a_newer_paperbot_is_one_line(runner, tmp_path):
    import sqlite3

    assert invoke(runner, "list").exit_code == 0
    with sqlite3.connect(tmp_path / "bot.sqlite3") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    for args in (["list"], ["db", "upgrade"], ["db", "current"]):
        line = _one_error_line(invoke(runner, *args))
        assert "'9999', which this paperbot does not know" in line and "upgrade paperbot" in line, args


def _refused_url() -> str:
    """An http URL on this machine whose port refuses connections (bound once, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def _only_stderr_line(result) -> str:
    """The command failed with exit 1 and printed exactly one line on stderr; return it."""
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def test_an_unknown_revision_is_one_line_and_verbose_adds_the_traceback(runner):
    line = _only_stderr_line(invoke(runner, "db", "downgrade", "nonsense"))
    assert "cannot migrate to 'nonsense'" in line and "0001" in line
    verbose = invoke(runner, "--verbose", "db", "downgrade", "nonsense")
    logging.getLogger().setLevel(logging.WARNING)  # --verbose left the root logger at DEBUG for the next test
    assert verbose.exit_code == 1 and "Traceback" in verbose.stderr


def test_discord_sync_without_network_is_one_line(runner, monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", "MTIz.unreachable.token")
    monkeypatch.setenv("PAPERBOT_DISCORD__API_URL", _refused_url() + "/api/v10")
    line = _only_stderr_line(invoke(runner, "discord", "sync"))
    assert line.startswith("error: Discord is unreachable: Cannot connect to host 127.0.0.1")


def test_discord_sync_on_a_network_that_never_answers_is_one_line_after_the_timeout(runner, monkeypatch):
    with socket.socket() as hole:  # listens and never accepts: connections wait for an answer that never comes
        hole.bind(("127.0.0.1", 0))
        hole.listen(8)
        url = f"http://127.0.0.1:{hole.getsockname()[1]}/api/v10"
        monkeypatch.setenv("DISCORD_TOKEN", "MTIz.unreachable.token")
        monkeypatch.setenv("PAPERBOT_DISCORD__API_URL", url)
        monkeypatch.setenv("PAPERBOT_DISCORD__TIMEOUT_S", "1")
        line = _only_stderr_line(invoke(runner, "discord", "sync"))
    assert line == f"error: Discord is unreachable: no answer from {url} in 1 s"


def test_a_failing_source_is_reported_once_naming_it(runner, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(
        f'[fetch]\nretry_attempts = 1\n[[sources]]\nname = "feed"\nkind = "rss"\nurl = "{_refused_url()}/feed.xml"\n',
        encoding="utf-8",
    )
    line = _only_stderr_line(invoke(runner, "--config", str(config), "sources", "fetch", "feed"))
    assert line.startswith("error: source feed: http://127.0.0.1:") and "Cannot connect" in line


_READ_ONLY = """
mount --bind "$DATA" "$DATA" && mount -o remount,bind,ro "$DATA" || exit 77
touch "$DATA/probe" 2>/dev/null && exit 77
for args in "list" "db backup $BACKUP" "doctor"; do
    echo "== $args"; python -c 'from app.cli.main import app; app()' $args 2>&1; echo "exit $?"
done
"""


def test_a_read_only_data_directory_still_lists_and_backs_up_and_doctor_says_why(runner, tmp_path):
    import shutil
    import subprocess

    data = tmp_path / "data"
    url = f"sqlite+aiosqlite:///{data / 'bot.sqlite3'}"
    papers = tmp_path / "p.jsonl"
    papers.write_text(json.dumps({"title": "Kept paper", "summary": "Some summary text here."}) + "\n", "utf-8")
    env = {**os.environ, "PAPERBOT_DATABASE__URL": url, "COLUMNS": "300", "DATA": str(data)}
    env["BACKUP"] = str(tmp_path / "backup.sqlite3")
    subprocess.run(  # the store, made by the CLI as usual
        [sys.executable, "-c", "from app.cli.main import app; app()", "ingest", str(papers)], env=env, check=True
    )
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare(1) for a read-only mount")
    done = subprocess.run(["unshare", "-m", "sh", "-c", _READ_ONLY], env=env, capture_output=True, text=True)
    if done.returncode == 77 or "== list" not in done.stdout:
        pytest.skip(f"cannot make a read-only mount here: {done.stderr.strip()[:200]}")
    listing, backup, doctor = done.stdout.split("== ")[1:]
    assert "Kept paper" in listing and listing.rstrip().endswith("exit 0"), listing
    assert "backed up the store" in backup and backup.rstrip().endswith("exit 0"), backup
    assert f"opens read-only ({data} is read-only)" in doctor and "db upgrade" not in doctor, doctor
