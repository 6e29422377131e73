"""Provides the wall's HTML page: textual-serve's terminal front end, and nothing fetched from elsewhere.

textual-serve's own page loads a font from a public font service and builds the WebSocket URL from
the ``--host`` the server was started with (wrong behind a proxy or on ``0.0.0.0``). This page
takes the font from the package's static files and builds the URL from the address the browser
used. A kiosk has no one to press "Restart": when the session ends (the server restarted, the
network dropped), the page reloads itself after a few seconds.
"""

from __future__ import annotations

from html import escape

#: Seconds a closed page waits before it reloads (and so reconnects).
RELOAD_S = 5

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="stylesheet" href="/static/css/xterm.css">
<style>
@font-face {{
  font-family: "Roboto Mono";
  src: url("/static/fonts/RobotoMono-VariableFont_wght.ttf") format("truetype");
}}
html, body {{ margin: 0; height: 100%; background: #0c181f; overflow: hidden; }}
#terminal {{ position: absolute; inset: 0; }}
#ended {{
  display: none; position: absolute; inset: 0; align-items: center; justify-content: center;
  color: #eee; font: 20px "Roboto Mono", monospace; background: rgba(12, 24, 31, 0.85);
}}
body.-closed #ended {{ display: flex; }}
</style>
<script>
// The WebSocket goes back to the address this page came from (any proxy or port in between).
window.addEventListener("DOMContentLoaded", () => {{
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  document.getElementById("terminal").dataset.sessionWebsocketUrl = scheme + "//" + location.host + "/ws";
  new MutationObserver(() => {{
    if (document.body.classList.contains("-closed")) {{
      setTimeout(() => location.reload(), {reload_ms});
    }}
  }}).observe(document.body, {{ attributes: true, attributeFilter: ["class"] }});
}});
</script>
<script src="/static/js/textual.js"></script>
</head>
<body>
<div id="terminal" class="textual-terminal" data-font-size="{font_size}"></div>
<div id="ended">The wall lost its connection; reconnecting in a few seconds.</div>
</body>
</html>
"""


def index_html(title: str, font_size: int) -> str:
    """The page for a wall titled ``title`` (shown in the browser's tab and window list)."""
    return _PAGE.format(title=escape(title), font_size=int(font_size), reload_ms=RELOAD_S * 1000)
