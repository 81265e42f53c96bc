"""Config: file, env overrides, conventional names, and one-line errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_settings
from bot.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "DISCORD_TOKEN", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    import os

    for name in [n for n in os.environ if n.startswith("PAPERBOT_")]:
        monkeypatch.delenv(name)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_loads_with_every_default():
    settings = load_settings(REPO / "config.example.toml")
    assert settings.digest.size == 5
    assert settings.summarizer.kind == "extractive"
    assert settings.slack.bot_token is None and settings.summarizer.model is None
    assert settings.database.resolved_url().startswith("sqlite+aiosqlite:///")


def test_env_overrides_file_and_conventional_names_are_honoured(tmp_path, monkeypatch):
    path = _write(tmp_path, '[digest]\nsize = 3\n[database]\nurl = "sqlite:///from-file.db"\n')
    monkeypatch.setenv("PAPERBOT_DIGEST__SIZE", "8")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("DATABASE_URL", "postgres://bot:pw@db.example/papers")
    settings = load_settings(path)
    assert settings.digest.size == 8
    assert settings.slack.bot_token.get_secret_value() == "xoxb-test-token"
    assert "xoxb-test-token" not in repr(settings)
    assert settings.database.url == "postgresql+asyncpg://bot:pw@db.example/papers"


def test_paperbot_env_beats_conventional_name(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://a@b/c")
    monkeypatch.setenv("PAPERBOT_DATABASE__URL", "sqlite:///explicit.db")
    assert load_settings(_write(tmp_path, "")).database.url == "sqlite+aiosqlite:///explicit.db"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[digest]\nsizee = 4\n", "unknown key digest.sizee"),
        ("[nosuchsection]\nx = 1\n", "unknown key nosuchsection"),
        ('[digest]\nsize = "many"\n', "digest.size"),
        ("[digest]\nsize = 0\n", "digest.size"),
        ('[digest]\ntimezone = "Mars/Olympus"\n', "unknown time zone 'Mars/Olympus'"),
        ('[digest]\ncron = "every morning"\n', "digest.cron"),
        ('[digest]\ncron = "0 25 * * *"\n', "digest.cron: cron '0 25 * * *' is invalid"),
        ('[ingest]\ncron = "*/0 * * * *"\n', "ingest.cron: cron '*/0 * * * *' is invalid"),
        ('[digest]\nheader = "   "\n', "digest.header: the digest header must contain a visible character"),
        ('[summarizer]\nkind = "magic"\n', "summarizer.kind"),
        ("[digest\nsize = 4\n", "not valid TOML"),
    ],
)
def test_bad_config_is_one_line_naming_the_key(tmp_path, text, expected):
    with pytest.raises(ConfigError) as caught:
        load_settings(_write(tmp_path, text))
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message


def test_unknown_env_key_is_reported(tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERBOT_DIGEST__SIZ", "3")
    with pytest.raises(ConfigError, match="unknown key digest.siz"):
        load_settings(_write(tmp_path, ""))


def test_missing_config_file_is_one_line(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")


def test_secrets_in_a_world_readable_file_draw_a_warning(tmp_path, caplog):
    path = _write(tmp_path, '[slack]\nbot_token = "xoxb-from-file"\n')
    path.chmod(0o644)
    load_settings(path)
    assert "chmod 600" in caplog.text
    caplog.clear()
    path.chmod(0o600)
    load_settings(path)
    assert "chmod 600" not in caplog.text
    assert "xoxb-from-file" not in caplog.text
