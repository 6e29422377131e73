"""Provides the wall's web server: the page, the static files, and one wall process per browser.

Built on aiohttp with textual-serve's parts, not its ``Server``: textual-serve's ``AppService``
runs a Textual app in a subprocess and relays its screen over a WebSocket, and its ``textual.js``
draws it in the browser; its ``Server`` has no way to ask for credentials, builds the page's URLs
from the ``--host`` it was given, fetches a font from a public service and prints a banner. Here
the server adds the access rule (``hatui.serve.access``), refuses cross-site WebSockets, bounds how
many walls run at once (each polls every node of its clusters) and, when it stops, ends every wall
process it started: politely first, killed after ``STOP_S``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import textual_serve.app_service
from aiohttp import WSCloseCode, WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from hatui.plaintext import clean_line
from hatui.serve.access import AUTH_ENV, COOKIE, REALM, Access
from hatui.serve.page import index_html

#: textual-serve's front end: textual.js, xterm's CSS, the terminal font.
STATIC = Path(textual_serve.app_service.__file__).parent / "static"
#: Seconds a wall gets to quit when its browser leaves or the server stops, before it is killed.
STOP_S = 5.0
#: Terminal sizes a browser may ask for (a bogus size must not make the wall draw a huge screen).
MIN_CELLS, MAX_CELLS = 10, 1000


@dataclass(frozen=True)
class ServeOptions:
    """What the server needs: where to listen, what to run per browser, who may look."""

    host: str
    port: int
    title: str
    command: Sequence[str]
    """The wall process's argv (``python -m hatui.serve.wall ...``)."""
    access: Access
    max_walls: int = 4
    font_size: int = 16


class WallService(AppService):
    """One browser's wall process (textual-serve's process protocol), without the server's secret."""

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        env = super()._build_environment(width, height)
        env.pop(AUTH_ENV, None)  # a wall never needs the password, so it never holds it
        return env

    async def run(self) -> None:
        await super().run()
        # The wall is gone (it quit, crashed or never started): the browser must not keep a blank
        # page on an open socket; closed, the page says so and reloads.
        await self.remote_close()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def end(self) -> None:
        """Asks the wall to quit, waits ``STOP_S`` at most, then kills it; reaps it either way."""
        process = self._process
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stop(), STOP_S)
        if process is not None:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
            await process.wait()


def shell_command(argv: Sequence[str]) -> str:
    """``argv`` as the shell line AppService runs; ``exec`` so the wall is the shell's own process."""
    import shlex

    return "exec " + shlex.join(argv)


def same_origin(request: web.Request) -> bool:
    """Whether a WebSocket comes from this server's own page (or from no page at all).

    A browser sends ``Origin`` on every WebSocket: without this check any web site open in the
    kiosk's browser could connect to a wall on loopback and read it.
    """
    origin = request.headers.get("Origin")
    return origin is None or urlsplit(origin).netloc == request.host


async def _close(ws: web.WebSocketResponse) -> None:
    await ws.close()


def _log_line(line: str) -> None:
    sys.stderr.write(clean_line(line) + "\n")
    sys.stderr.flush()


def _cells(value: str | None, default: int) -> int:
    try:
        return min(max(int(value or default), MIN_CELLS), MAX_CELLS)
    except ValueError:
        return default


class WallServer:
    """The aiohttp application of ``hatui serve`` and the wall processes it started."""

    def __init__(self, options: ServeOptions, log: Callable[[str], None] | None = None) -> None:
        self.options = options
        self.walls: set[WallService] = set()
        self.sockets: set[web.WebSocketResponse] = set()
        self.downloads = DownloadManager()
        self.log = log or _log_line

    def make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._guard])
        app.add_routes(
            [
                web.get("/", self._index),
                web.get("/ws", self._websocket),
                web.static("/static", STATIC),
            ]
        )
        app.on_shutdown.append(self._on_shutdown)
        return app

    @web.middleware
    async def _guard(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        access = self.options.access
        if not access.required or access.cookie_ok(request.cookies.get(COOKIE)):
            return await handler(request)
        if not access.basic_ok(request.headers.get("Authorization")):
            raise web.HTTPUnauthorized(
                text="hatui wall: credentials needed\n",
                headers={"WWW-Authenticate": f'Basic realm="{REALM}", charset="UTF-8"'},
            )
        response = await handler(request)
        if not response.prepared:
            response.set_cookie(COOKIE, access.session, httponly=True, samesite="Strict", path="/")
        return response

    async def _index(self, request: web.Request) -> web.Response:
        font = _cells(request.query.get("fontsize"), self.options.font_size)
        return web.Response(
            text=index_html(self.options.title, font),
            content_type="text/html",
            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
        )

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        if not same_origin(request):
            raise web.HTTPForbidden(text="hatui wall: a WebSocket from another site's page is refused\n")
        if len(self.walls) >= self.options.max_walls:
            self.log(f"refused a browser at {request.remote}: {len(self.walls)} walls already run")
            raise web.HTTPServiceUnavailable(text="hatui wall: too many browsers are watching\n")
        ws = web.WebSocketResponse(heartbeat=15)
        wall = WallService(
            shell_command(self.options.command),
            write_bytes=ws.send_bytes,
            write_str=ws.send_str,
            close=lambda: _close(ws),
            download_manager=self.downloads,
        )
        # Counted before the first await, so two browsers at once cannot both take the last place.
        self.walls.add(wall)
        self.sockets.add(ws)
        try:
            await ws.prepare(request)
            await wall.start(_cells(request.query.get("width"), 80), _cells(request.query.get("height"), 24))
            self.log(f"wall {wall.pid} started for {request.remote}")
            await self._relay(ws, wall)
        finally:
            await wall.end()
            self.walls.discard(wall)
            self.sockets.discard(ws)
            self.log(f"wall {wall.pid} ended")
        return ws

    async def _relay(self, ws: web.WebSocketResponse, wall: WallService) -> None:
        """Passes the browser's keys, size and pings to the wall until the browser goes."""
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                kind, data = json.loads(message.data)
            except (ValueError, TypeError):
                continue
            if kind == "stdin" and isinstance(data, str):
                await wall.send_bytes(data.encode("utf-8"))
            elif kind == "resize" and isinstance(data, dict):
                await wall.set_terminal_size(_cells(data.get("width"), 80), _cells(data.get("height"), 24))
            elif kind == "ping":
                await ws.send_json(["pong", data])
            elif kind == "blur":
                await wall.blur()
            elif kind == "focus":
                await wall.focus()

    async def _on_shutdown(self, _app: web.Application) -> None:
        for ws in list(self.sockets):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server stopping")
        await asyncio.gather(*(wall.end() for wall in list(self.walls)))

    async def run(self, ready: Callable[[str], None] | None = None) -> None:
        """Serves until SIGTERM or SIGINT, then ends every wall and returns."""
        runner = web.AppRunner(self.make_app(), handle_signals=False, shutdown_timeout=STOP_S * 2)
        await runner.setup()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        try:
            site = web.TCPSite(runner, self.options.host, self.options.port)
            await site.start()
            host, port = runner.addresses[0][:2]
            url = f"http://{f'[{host}]' if ':' in host else host}:{port}/"
            (ready or self.log)(url)
            await stop.wait()
            self.log("stopping: ending every wall")
        finally:
            await runner.cleanup()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
