"""Worker processes for scheduling tests: a free port, and waiting for a worker to listen or to exit."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time

PAPERS = ["arxiv:2401.00001", "arxiv:2401.00002", "arxiv:2401.00003"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def serving(port: int, timeout: float) -> None:
    """Wait until the worker listens, i.e. it is up with its signal handlers installed."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            assert time.monotonic() < deadline, "worker never started serving"
            await asyncio.sleep(0.1)
        else:
            writer.close()
            return


async def exited(process: subprocess.Popen[bytes], timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while process.poll() is None:
        assert time.monotonic() < deadline, "worker did not exit in time"
        await asyncio.sleep(0.05)
    return process.returncode
