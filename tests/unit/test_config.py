"""Config loading: good files load, bad ones are refused naming the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from hatui.config import discover_config_path, load_config
from hatui.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "config.yaml"
    p.write_text(text)
    return p


def test_example_config_loads() -> None:
    cfg = load_config(ROOT / "config.example.yaml")
    assert set(cfg.clusters) == {"faculty", "lab"}
    faculty = cfg.cluster()
    assert faculty.name == "faculty"
    assert [n.name for n in faculty.nodes] == ["vnode1", "vnode2", "vnode3"]
    assert faculty.nodes[2].sudo is True and faculty.nodes[2].user == "hatui"
    assert faculty.nodes[1].port == 22 and faculty.nodes[1].sudo is False
    assert faculty.intervals["pacemaker"] == 2.0
    assert faculty.vm_disks["mail"] == ("mailstore", "mail-root")
    assert cfg.cluster("lab").mode == "read-only"
    assert "stonith-disabled" in cfg.health_ignore


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("clusters: {c: {nodes: [{name: a, sudo_user: x}]}}", "clusters.c.nodes[0].sudo_user: unknown key"),
        (
            "clusters: {c: {nodes: [{name: a, port: 70000}]}}",
            "clusters.c.nodes[0].port: 70000 is not a TCP port",
        ),
        ("clusters: {c: {nodes: [{name: a, port: yes}]}}", "clusters.c.nodes[0].port: expected int"),
        ("clusters: {c: {nodes: [a], mode: rw}}", "clusters.c.mode: 'rw' is not one of operator, read-only"),
        ("clusters: {c: {nodes: []}}", "clusters.c.nodes: a list of at least one node"),
        ("clusters: {c: {nodes: [a, a]}}", "node 'a' is listed twice"),
        (
            "clusters: {c: {nodes: [a], intervals: {drbd: -1}}}",
            "clusters.c.intervals.drbd: expected a positive",
        ),
        ("clusters: {c: {nodes: [a], intervals: {xen: 3}}}", "clusters.c.intervals.xen: unknown key"),
        ("clusters: {c: {nodes: [a]}}\nthemes: dark", "themes: unknown key"),
        ("clusters: {c: {nodes: [a]}}\ndefault_cluster: d", "default_cluster: no cluster named 'd'"),
        ("clusters: [a, b]", "clusters: expected a mapping"),
        ("clusters: {c: {nodes: [a]}\n", "line"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path: Path, text: str, needle: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert str(path) in str(exc.value)
    assert needle in str(exc.value)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.yaml")


def test_discovery_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home_cfg = Path.home() / ".config" / "hatui" / "config.yaml"
    assert discover_config_path(None) is None
    home_cfg.parent.mkdir(parents=True)
    home_cfg.write_text("clusters: {c: {nodes: [a]}}")
    assert discover_config_path(None) == home_cfg
    monkeypatch.setenv("HATUI_CONFIG", str(tmp_path / "env.yaml"))
    assert discover_config_path(None) == tmp_path / "env.yaml"
    assert discover_config_path(str(tmp_path / "cli.yaml")) == tmp_path / "cli.yaml"


def test_several_clusters_need_a_choice(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path, "clusters: {a: {nodes: [x]}, b: {nodes: [y]}}"))
    with pytest.raises(ConfigError, match="pick one with --cluster"):
        cfg.cluster()
    assert cfg.cluster("b").nodes[0].name == "y"
    with pytest.raises(ConfigError, match="no cluster named 'z'"):
        cfg.cluster("z")
