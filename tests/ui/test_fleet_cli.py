"""The fleet from the command line, in a real terminal (tmux): which invocations open it.

``hatui --demo --all`` opens the demo fleet; a config of several clusters opens the fleet unless a
cluster is chosen (``--cluster`` or ``default_cluster``), which opens that cluster's panes as before.
"""

from __future__ import annotations

import shlex
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from test_ui_console_tmux import Tmux

from support.sshd import free_port

HATUI = f"{shlex.quote(sys.executable)} -m hatui"


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Callable[[str], Tmux]]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    made: list[Tmux] = []

    def start(command: str) -> Tmux:
        made.append(Tmux(tmp_path / f"tmux{len(made)}.sock", command))
        return made[-1]

    yield start
    for t in made:
        t.close()


def two_clusters(path: Path, default: str | None = None) -> Path:
    """A config of two clusters whose nodes nobody answers for (a closed loopback port)."""
    port = free_port()
    lines = [f"default_cluster: {default}"] if default else []
    lines.append("clusters:")
    for name, mode in (("prod", "operator"), ("test", "read-only")):
        lines += [
            f"  {name}:",
            f"    display_name: {name.title()} site",
            f"    mode: {mode}",
            "    connect_timeout: 1",
            f"    nodes: [{{name: {name}1, host: 127.0.0.1, port: {port}}}]",
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_demo_all_opens_the_demo_fleet_and_enter_opens_a_cluster(tmux: Callable[[str], Tmux]) -> None:
    t = tmux(f"{HATUI} --demo --all")
    t.wait("3 clusters:")
    shown = t.wait("demo-faulted")
    assert "read-only" in shown and "operator" in shown
    t.keys("Down", "Enter")  # demo-modern, the read-only one
    t.wait("demo-modern: csifi · read-only")
    t.keys("BSpace")
    t.wait("3 clusters:")
    t.keys("q")


def test_a_config_of_two_clusters_opens_the_fleet_unless_one_is_chosen(
    tmux: Callable[[str], Tmux], tmp_path: Path
) -> None:
    fleet = two_clusters(tmp_path / "fleet.yaml")
    t = tmux(f"{HATUI} --config {shlex.quote(str(fleet))}")
    shown = t.wait("nodes 0/1 up (prod1 unreachable)")
    assert "2 clusters:" in shown and "Test site" in shown

    chosen = two_clusters(tmp_path / "default.yaml", default="test")
    t = tmux(f"{HATUI} --config {shlex.quote(str(chosen))}")
    shown = t.wait("test1 unreachable")
    assert "clusters:" not in shown and "Test site" in shown and "·" not in shown.splitlines()[0]
