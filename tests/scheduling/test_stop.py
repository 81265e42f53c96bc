"""`paperbot run` stops within 10 s of SIGTERM while Slack or Discord is unreachable, saying so in one line per step."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from testing.processes import free_port

RUN = "from app.cli.main import app; app()"
PLATFORMS = {
    "slack": {
        "SLACK_BOT_TOKEN": "xoxb-1-2-unreachable",
        "SLACK_APP_TOKEN": "xapp-1-unreachable",
        "PAPERBOT_SLACK__API_URL": "http://127.0.0.1:{port}/api/",
    },
    "discord": {
        "DISCORD_TOKEN": "MTIz.unreachable.token",
        "PAPERBOT_DISCORD__API_URL": "http://127.0.0.1:{port}/api/v10",
    },
}
PLATFORM_ENV = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CLIENT_ID", "DISCORD_TOKEN")


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
async def test_run_stops_on_sigterm_while_the_platform_refuses_connections(tmp_path: Path, platform: str) -> None:
    port = free_port()  # bound once, then closed: connections to it are refused
    env = {key: value for key, value in os.environ.items() if key not in PLATFORM_ENV}
    env |= {key: value.format(port=port) for key, value in PLATFORMS[platform].items()}
    env |= {"PAPERBOT_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}", "COLUMNS": "400"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", RUN, "run", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    seen: list[str] = []
    try:
        async with asyncio.timeout(60):  # starting (imports, the store) then the first attempt
            while not any("unreachable" in line for line in seen):
                line = (await process.stderr.readline()).decode()
                assert line, "paperbot run ended by itself:\n" + "".join(seen)
                seen.append(line)
        process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        _, rest = await asyncio.wait_for(process.communicate(), timeout=10)
        assert time.monotonic() - signalled < 10 and process.returncode == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    logged = "".join(seen) + rest.decode()
    outage = [line for line in logged.splitlines() if "unreachable" in line]
    assert len(outage) == 1, logged  # one line for the one attempt made before the signal
    assert f"127.0.0.1:{port}" in outage[0] and "retrying in" in outage[0]
    assert "Traceback" not in logged and "Retrying..." not in logged
