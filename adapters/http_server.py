"""The worker's one HTTP listener: `GET /healthz`, beside the routes of adapters that take their platform's requests
over HTTP (Slack's signed events) instead of a socket.

/healthz answers 200 while the store answers, 503 when it does not; the body is always the report's JSON, never an
error page.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Protocol, runtime_checkable

from aiohttp import web

from bot.ops.health import HealthReport

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
HealthSource = Callable[[], Awaitable[HealthReport]]


@runtime_checkable
class HttpReceiver(Protocol):
    """An adapter that can receive its platform's requests on the worker's HTTP server."""

    def add_routes(self, web_app: web.Application) -> None:
        """Serve the platform's requests on `web_app` from now on (in place of a socket of its own)."""
        ...


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


def http_app(receivers: Iterable[HttpReceiver] = (), *, health: HealthSource | None = None) -> web.Application:
    """One aiohttp app with each receiver's routes, and /healthz when `health` is given."""
    app = web.Application()
    for receiver in receivers:
        receiver.add_routes(app)
    if health is not None:
        add_health_route(app, health)
    return app


async def serve(app: web.Application, port: int, host: str = "0.0.0.0") -> web.AppRunner:
    """Listen on host:port; returns the runner, whose `cleanup()` stops it."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    log.info("listening for HTTP requests on %s:%d (health check at %s)", host, port, HEALTH_PATH)
    return runner
