"""``hatui serve`` over real HTTP and WebSocket: credentials, a cookie for the rest, one wall process
per browser (without the server's secret), cross-site sockets refused, and nothing left running."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import signal
import socket
from pathlib import Path

import aiohttp
import pytest
from serve_support import WALL_LINE, Served, served, session_members, wait_until

from hatui.serve.access import AUTH_ENV, COOKIE

pytestmark = pytest.mark.slow


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


async def first_screen(ws: aiohttp.ClientWebSocketResponse, shows: bytes = b"demo: csifi") -> bytes:
    """The wall's terminal output until it shows ``shows`` (the wall's header: the cluster's name)."""
    seen = b""
    async with asyncio.timeout(60):
        while shows not in seen:
            message = await ws.receive()
            assert message.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT), message
            if message.type == aiohttp.WSMsgType.BINARY:
                seen += message.data
    return seen


def environ_of(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


async def wall_ends(s: Served, pid: int) -> None:
    await asyncio.to_thread(wait_until, lambda: pid not in s.session_processes, 20, f"wall {pid} ends")


async def test_credentials_then_a_cookie_and_the_wall_never_holds_the_secret() -> None:
    with served(["--demo"], env={AUTH_ENV: "wall:s3cret"}) as s:
        async with aiohttp.ClientSession() as anon:
            for path, headers in (("", {}), ("", basic("wall", "wrong")), ("static/js/textual.js", {})):
                async with anon.get(s.url + path, headers=headers) as r:
                    assert r.status == 401, path
                    assert r.headers["WWW-Authenticate"].startswith('Basic realm="hatui wall"')
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await anon.ws_connect(s.url + "ws")
            assert refused.value.status == 401
            assert s.session_processes == [], "no wall started for a stranger"
        # A jar that keeps cookies of an IP address, as a browser does.
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
            async with browser.get(s.url, headers=basic("wall", "s3cret")) as r:
                assert r.status == 200
                assert "<title>hatui wall: demo: csifi</title>" in await r.text()
                cookie = r.cookies[COOKIE]
                assert cookie["httponly"] and cookie["samesite"] == "Strict"
            # The cookie alone opens the rest, as a browser's page needs it.
            async with browser.get(s.url + "static/js/textual.js") as r:
                assert r.status == 200
            async with browser.ws_connect(s.url + "ws?width=120&height=40") as ws:
                await first_screen(ws)
                pid = int(s.read_log(WALL_LINE).group(1))
                assert s.session_processes == [pid]
                env = environ_of(pid)
                assert env["TEXTUAL_DRIVER"] == "textual.drivers.web_driver:WebDriver"
                assert AUTH_ENV not in env and not any("s3cret" in v for v in env.values())
            await wall_ends(s, pid)


async def test_a_cross_site_socket_is_refused_and_walls_are_bounded() -> None:
    with served(["--demo", "--max-walls", "1"]) as s:
        async with aiohttp.ClientSession() as browser:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await browser.ws_connect(s.url + "ws", origin="http://attacker.example")
            assert refused.value.status == 403
            port_origin = s.url.rstrip("/")
            async with browser.ws_connect(s.url + "ws", origin=port_origin) as first:
                await first_screen(first)
                with pytest.raises(aiohttp.WSServerHandshakeError) as full:
                    await browser.ws_connect(s.url + "ws")
                assert full.value.status == 503
                assert len(s.session_processes) == 1
            pid = int(s.read_log(WALL_LINE).group(1))
            await asyncio.to_thread(s.read_log, re.compile(f"wall {pid} ended"))
            assert s.session_processes == []
            async with browser.ws_connect(s.url + "ws") as again:
                await first_screen(again)


async def test_sigterm_ends_the_server_and_every_wall_it_started() -> None:
    with served(["--demo"]) as s:
        async with aiohttp.ClientSession() as browser:
            sockets = [await browser.ws_connect(s.url + "ws") for _ in range(2)]
            for ws in sockets:
                await first_screen(ws)
            walls = s.session_processes
            assert len(walls) == 2
            s.process.send_signal(signal.SIGTERM)
            assert await asyncio.to_thread(s.process.wait, 30) == 0
            assert s.session_processes == [], "every wall ended with the server"
            for ws in sockets:
                await ws.close()


async def test_a_wall_does_not_outlive_a_killed_server() -> None:
    with served(["--demo"]) as s:
        async with aiohttp.ClientSession() as browser:
            ws = await browser.ws_connect(s.url + "ws")
            await first_screen(ws)
            assert len(s.session_processes) == 1
            s.process.kill()  # no chance to end its walls: the kernel tells them (PR_SET_PDEATHSIG)
            await asyncio.to_thread(s.process.wait, 10)
            await asyncio.to_thread(
                wait_until, lambda: session_members(s.process.pid) == [], 30, "the orphaned wall ends"
            )
            await ws.close()


def two_cluster_config(tmp_path: Path) -> Path:
    """Two clusters whose one node each listens nowhere (a closed loopback port): unreachable."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    path = tmp_path / "config.yaml"
    path.write_text(
        "default_cluster: prod\nclusters:\n"
        + "".join(
            f"  {name}:\n    display_name: {title}\n    mode: operator\n    connect_timeout: 1\n"
            f"    nodes:\n      - name: {name}1\n        host: 127.0.0.1\n        port: {port}\n"
            for name, title in (("prod", "Production"), ("test", "Test lab"))
        )
    )
    return path


async def test_a_config_file_one_cluster_or_all(tmp_path: Path) -> None:
    config = two_cluster_config(tmp_path)
    with served(["--config", str(config), "--all"]) as s:
        async with aiohttp.ClientSession() as browser:
            async with browser.get(s.url) as r:
                assert "<title>hatui wall: Production · Test lab</title>" in await r.text()
            async with browser.ws_connect(s.url + "ws") as ws:
                seen = await first_screen(ws, b"Test lab")  # every cluster at once, a row each
                assert b"hatui fleet" in seen and b"Production" in seen
    with served(["--config", str(config), "--all", "--rotate"]) as s:
        async with aiohttp.ClientSession() as browser, browser.ws_connect(s.url + "ws") as ws:
            await first_screen(ws, b"prod1")  # the first cluster's wall (the rotation starts there)
    with served(["--config", str(config), "--cluster", "test"]) as s:
        async with aiohttp.ClientSession() as browser:
            async with browser.get(s.url) as r:
                assert "<title>hatui wall: Test lab</title>" in await r.text()
            async with browser.ws_connect(s.url + "ws") as ws:
                await first_screen(ws, b"test1")


SPLIT_BRAIN = Path(__file__).resolve().parents[1] / "replays" / "split-brain"


async def test_a_replayed_capture_is_served_too() -> None:
    with served(["--replay", str(SPLIT_BRAIN)]) as s:
        async with aiohttp.ClientSession() as browser:
            async with browser.get(s.url) as r:
                assert "<title>hatui wall: split-brain</title>" in await r.text()
            async with browser.ws_connect(s.url + "ws") as ws:
                await first_screen(ws, b"CRITICAL")


async def closes(ws: aiohttp.ClientWebSocketResponse) -> None:
    async with asyncio.timeout(60):
        while not ws.closed:
            message = await ws.receive()
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                return


async def test_a_wall_that_quits_or_cannot_start_closes_its_page(tmp_path: Path) -> None:
    config = two_cluster_config(tmp_path)
    with served(["--config", str(config)]) as s:
        async with aiohttp.ClientSession() as browser:
            async with browser.ws_connect(s.url + "ws") as ws:
                await first_screen(ws, b"prod1")
                await ws.send_str(json.dumps(["stdin", "q"]))  # a passer-by at the kiosk's keyboard
                await closes(ws)
            # The file broken after the server checked it: the next wall exits at once.
            config.write_text("clusters: [\n")
            async with browser.ws_connect(s.url + "ws") as ws:
                await closes(ws)
            await asyncio.to_thread(s.read_log, re.compile("wall \\d+ ended"), 30, 1)
            assert s.session_processes == []
