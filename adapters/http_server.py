"""`GET /healthz` over aiohttp: beside Slack's HTTP endpoint, or on its own when no Slack HTTP app runs.

200 while the store answers, 503 when it does not; the body is always the report's JSON, never an error page.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.ops.health import HealthReport

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
HealthSource = Callable[[], Awaitable[HealthReport]]


def add_health_route(app: web.Application, report: HealthSource) -> None:
    """Serve `report()` at GET (and HEAD) /healthz on `app`."""

    async def healthz(request: web.Request) -> web.Response:
        try:
            current = await report()
        except Exception:  # the report already turns store failures into data; this is a last resort
            log.exception("health check failed")
            body = {"status": "down", "store": {"reachable": False, "error": "the health check failed"}}
            return web.json_response(body, status=503, headers={"Cache-Control": "no-store"})
        status = 200 if current.store_reachable else 503
        return web.json_response(current.to_json(), status=status, headers={"Cache-Control": "no-store"})

    app.router.add_get(HEALTH_PATH, healthz)


async def start_health_server(report: HealthSource, port: int, host: str = "0.0.0.0") -> web.AppRunner:
    """Listen on host:port with only /healthz; returns the runner, whose `cleanup()` stops it."""
    app = web.Application()
    add_health_route(app, report)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    log.info("health check listening on %s:%d%s", host, port, HEALTH_PATH)
    return runner
