"""``hatui --once`` knows a move another hatui runs from its in-flight marker in the CIB."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hatui.actions.commands import marker_xml
from hatui.model.inflight import marker_id

REPLAYS = Path(__file__).resolve().parent / "replays"


def _replay(tmp_path: Path, started: datetime) -> Path:
    """The healthy replay, with sentinel being moved off vnode1 by a hatui started at ``started``."""
    root = tmp_path / "replay"
    shutil.copytree(REPLAYS / "healthy", root)
    marker = marker_id("move_resource", started, 330, 4242, "adminhost")
    xml = (
        "<constraints>"
        '<rsc_location id="cli-prefer-sentinel" rsc="sentinel" node="vnode2" score="INFINITY"/>'
        '<rsc_location id="cli-ban-sentinel-on-vnode1" rsc="sentinel" node="vnode1" score="-INFINITY"/>'
        f"{marker_xml(marker, 'sentinel')}</constraints>"
    )
    for node in ("vnode1", "vnode2", "vnode3"):
        (root / node / "constraints.xml").write_text(xml)
    return root


def _once(replay: Path) -> tuple[int, list[dict[str, Any]]]:
    out = subprocess.run(
        [sys.executable, "-m", "hatui", "--once", "--format", "json", "--replay", str(replay)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    return out.returncode, json.loads(out.stdout)["health"]["problems"]


def test_a_move_in_flight_is_not_a_leftover(tmp_path: Path) -> None:
    code, problems = _once(_replay(tmp_path, datetime.now(UTC) - timedelta(seconds=12)))
    assert [p for p in problems if p["code"] == "constraint-leftover"] == []
    moving = [p for p in problems if p["code"] == "action-in-flight"]
    assert (
        len(moving) == 1
        and "sentinel" in moving[0]["message"]
        and "pid 4242 on adminhost" in moving[0]["message"]
    )
    assert code in (0, 1)


def test_a_marker_past_its_time_limit_is_a_leftover_with_the_constraints_it_left(tmp_path: Path) -> None:
    code, problems = _once(_replay(tmp_path, datetime.now(UTC) - timedelta(hours=2)))
    left = sorted(p["message"] for p in problems if p["code"] == "constraint-leftover")
    assert len(left) == 3, left
    assert any("a hatui action on sentinel never ended" in m for m in left)
    assert [p for p in problems if p["code"] == "action-in-flight"] == []
    assert code == 1
