"""The served wall in a real headless Chromium (Debian's ``chromium`` and ``chromium-driver``).

What the page shows is read from the browser's own terminal (xterm.js's buffer: the characters it
draws), so the test sees what a person at the wall sees; a screenshot is kept beside the test's
temporary files for a person to look at.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from serve_support import served, session_members

from hatui.serve.access import AUTH_ENV, COOKIE

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLEET = ("demo-seed", "demo-modern", "demo-faulted")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
        reason="needs Debian's chromium and chromium-driver (tests/run_all.sh installs them)",
    ),
]

#: Keeps each xterm.js Terminal the page makes (textual.js holds it in a private ``terminal`` field).
KEEP_TERMINALS = """
window.__terminals = [];
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal", {value, writable: true, configurable: true, enumerable: true});
    if (value && value.buffer) window.__terminals.push(value);
  },
});
"""
#: The characters the terminal shows, one line of text per row.
READ_SCREEN = """
const t = (window.__terminals || [])[0];
if (!t) return "";
const b = t.buffer.active, rows = [];
for (let i = 0; i < b.length; i++) { const l = b.getLine(i); rows.push(l ? l.translateToString(true) : ""); }
return rows.join("\\n");
"""


@contextmanager
def chromium() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1600,1000"):  # fmt: skip
        options.add_argument(arg)
    # The driver named explicitly: Selenium would otherwise look for (and try to download) its own.
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": KEEP_TERMINALS})
        yield driver
    finally:
        driver.quit()


def screen_until(driver: Any, shows: Callable[[str], bool], within: float, what: str) -> str:
    deadline = time.monotonic() + within
    text = ""
    while time.monotonic() < deadline:
        text = driver.execute_script(READ_SCREEN) or ""
        if shows(text):
            return str(text)
        time.sleep(0.2)
    raise AssertionError(f"the page did not show {what} in {within}s; it showed:\n{text}")


def test_the_wall_in_chromium_shows_cluster_badge_problems_and_a_fault_at_the_next_poll(
    tmp_path: Path,
) -> None:
    faults = tmp_path / "faults"
    with served(["--demo", "--demo-faults", str(faults)]) as s, chromium() as driver:
        driver.get(s.url)
        assert driver.title == "hatui wall: demo: csifi"
        text = screen_until(
            driver, lambda t: "demo: csifi" in t and "PROBLEMS" in t, 60, "the cluster and its problems"
        )
        assert "▲ WARNING" in text, "the badge: the demo starts with a resync"
        assert "DRBD mail-root on vnode1: SyncSource" in text
        assert "vnode3 unreachable" not in text
        assert len(s.session_processes) == 1, "one wall process for the one browser"
        # A drill: the spare's neighbour loses power. Its next poll (2 s) finds it unreachable.
        faults.write_text("kill-node vnode3\n")
        text = screen_until(driver, lambda t: "vnode3 unreachable" in t, 30, "the killed node")
        driver.save_screenshot(str(tmp_path / "wall-after-fault.png"))
        assert "PROBLEMS" in text
        # A few seconds on, the other nodes' Pacemaker sees it offline: the badge turns.
        screen_until(driver, lambda t: "CRITICAL" in t, 60, "the CRITICAL badge")
        s.process.send_signal(signal.SIGTERM)
        assert s.process.wait(timeout=30) == 0
        assert session_members(s.process.pid) == [], "the wall process ended with the server"
        # The page says so (and reloads itself a few seconds later: a kiosk has no one to click).
        ended = driver.find_element("id", "ended")
        deadline = time.monotonic() + 10
        while not ended.is_displayed() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert ended.is_displayed()


def test_all_shows_every_cluster_of_the_fleet_a_fault_at_the_next_poll_and_opens_a_wall(
    tmp_path: Path,
) -> None:
    from selenium.webdriver.common.keys import Keys

    faults = tmp_path / "faults"
    with served(["--demo", "--all", "--demo-faults", str(faults)]) as s, chromium() as driver:
        driver.get(s.url + "?fontsize=12")  # small enough for every column of the fleet
        assert driver.title == "hatui wall: demo-seed: csifi · demo-modern: csifi · demo-faulted: csifi"
        # A split-brain settles a few seconds before it counts: wait for its row to say CRITICAL.
        text = screen_until(
            driver, lambda t: "critical: DRBD www-root split-brain" in t, 60, "the split-brain"
        )
        assert "hatui fleet" in text and "3 clusters:" in text
        # The table's rows (the lines below it list each cluster's problems in full).
        rows = {
            name: line for line in text.splitlines() for name in FLEET if name in line and "nodes " in line
        }
        assert set(rows) == set(FLEET), "a row for each cluster of the demo fleet"
        assert "CRITICAL" in rows["demo-faulted"] and "DRBD www-root split-brain" in rows["demo-faulted"]
        below = [line for line in text.splitlines() if line.startswith("demo-faulted: csifi  ✖ critical: ")]
        assert len(below) == 1 and "vnode2 Secondary/UpToDate StandAlone" in below[0], text
        assert all("read-only" in row for row in rows.values()), "a served wall acts on no cluster"
        assert len(s.session_processes) == 1, "one wall process for the one browser, polling all three"
        # A drill on one cluster of the fleet: its row shows the dead node at its next poll (2 s).
        faults.write_text("demo-modern kill-node vnode3\n")
        text = screen_until(driver, lambda t: "(vnode3 unreachable)" in t, 30, "the killed node in its row")
        driver.save_screenshot(str(tmp_path / "fleet-after-fault.png"))
        killed = [line for line in text.splitlines() if "nodes 2/3 up (vnode3 unreachable)" in line]
        assert len(killed) == 1 and "demo-modern" in killed[0], text
        # The keyboard of the kiosk: Enter opens a cluster's wall, Backspace comes back to the fleet.
        keyboard = driver.find_element("css selector", ".xterm-helper-textarea")  # where xterm.js listens
        keyboard.send_keys(Keys.DOWN, Keys.DOWN, Keys.ENTER)
        text = screen_until(driver, lambda t: "PROBLEMS" in t, 30, "the wall of the faulted cluster")
        assert "demo-faulted: csifi" in text and "3 clusters:" not in text
        keyboard.send_keys(Keys.BACKSPACE)
        screen_until(driver, lambda t: "3 clusters:" in t, 30, "the fleet again")


def test_behind_basic_auth_the_browser_gets_the_wall_through_its_session_cookie() -> None:
    with served(["--demo"], env={AUTH_ENV: "wall:s3cret"}) as s, chromium() as driver:
        driver.get(s.url)  # the browser asks for credentials: no page, no wall
        assert not driver.title.startswith("hatui wall")
        assert s.session_processes == []
        # The browser's own basic-auth exchange (credentials typed into its prompt, here in the URL);
        # the page's WebSocket then carries only the session cookie.
        driver.get(s.url.replace("http://", "http://wall:s3cret@"))
        screen_until(driver, lambda t: "demo: csifi" in t and "PROBLEMS" in t, 60, "the wall")
        assert len(s.session_processes) == 1
        cookies = {c["name"]: c for c in driver.get_cookies()}
        assert cookies[COOKIE]["httpOnly"] is True
