"""``hatui --once`` never hands a terminal the control sequences that cluster names and messages carry.

A replay directory whose domain list and node names hold an OSC 52 (writes the clipboard), an
``ESC [2J`` (clears the screen) and a bidi override is run through the real ``hatui --once`` in a
subprocess for every format: stdout and stderr hold no raw ESC, BEL, C1 or bidi control, the text
shows the escaped form, and JSON and YAML still give the exact names back to a script.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPLAYS = Path(__file__).resolve().parent / "replays"
OSC52 = "\x1b]52;c;SGVsbG8=\x07"
CLEAR = "\x1b[2J"
RLO = "\u202e"
VM_OSC = f"vm{OSC52}a"
VM_RLO = f"vm{RLO}txt.exe"
NODE = f"evil{CLEAR}node"
REASON = f"[/x] bye {OSC52} {RLO}abc \x9b31m"
#: What may never reach a terminal: ESC, BEL, the C1 CSI and the right-to-left override.
FORBIDDEN = (b"\x1b", b"\x07", "\x9b".encode(), RLO.encode())


@pytest.fixture
def replay(tmp_path: Path) -> Path:
    """The healthy replay plus two hostile domain names on vnode1 and a hostile unreachable node."""
    root = tmp_path / "replay"
    shutil.copytree(REPLAYS / "healthy", root)
    xm = root / "vnode1" / "xm_list"
    xm.write_text(
        xm.read_text(encoding="utf-8")
        + f"{VM_OSC:<40}   9   256     1     -b----    12.3\n"
        + f"{VM_RLO:<40}  10   256     1     -b----    12.3\n",
        encoding="utf-8",
    )
    down = root / NODE
    down.mkdir()
    (down / "unreachable").write_text(REASON, encoding="utf-8")
    return root


def once(replay: Path, fmt: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "hatui", "--once", "--replay", str(replay), "--format", fmt],
        capture_output=True,
        timeout=60,
        check=False,
    )


def assert_inert(proc: subprocess.CompletedProcess[bytes]) -> None:
    for stream, data in (("stdout", proc.stdout), ("stderr", proc.stderr)):
        for byte in FORBIDDEN:
            assert byte not in data, f"{byte!r} reached {stream}"


def test_text_output_and_stderr_show_control_characters_escaped(replay: Path) -> None:
    proc = once(replay, "text")
    assert proc.returncode in (1, 2), proc.stderr
    assert_inert(proc)
    out, err = proc.stdout.decode(), proc.stderr.decode()
    assert "vm\\x1b]52;c;SGVsbG8=\\x07a" in out
    assert "vm\\u202etxt.exe" in out
    assert "evil\\x1b[2Jnode" in out
    assert "evil\\x1b[2Jnode: unreachable: [/x] bye \\x1b]52;c;SGVsbG8=\\x07 \\u202eabc \\x9b31m" in err


def test_json_escapes_and_keeps_the_exact_names(replay: Path) -> None:
    proc = once(replay, "json")
    assert_inert(proc)
    data = json.loads(proc.stdout)
    assert NODE in [n["name"] for n in data["nodes"]]
    names = json.dumps(data)
    assert json.dumps(VM_RLO) in names and json.dumps(VM_OSC) in names


def test_yaml_escapes_bidi_controls_and_keeps_the_exact_names(replay: Path) -> None:
    proc = once(replay, "yaml")
    assert_inert(proc)
    data = yaml.safe_load(proc.stdout)
    assert NODE in [n["name"] for n in data["nodes"]]
    names = json.dumps(data)
    assert json.dumps(VM_RLO) in names and json.dumps(VM_OSC) in names
    assert "vm\\u202etxt.exe" in proc.stdout.decode()
