"""Config loading: good files load, bad ones are refused naming the file and the key."""

from __future__ import annotations

import re
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
    assert faculty.intervals["storage"] == 30.0
    backup = faculty.backup
    assert backup.command is not None and backup.command.startswith('dd if="$HATUI_DEVICE"')
    assert (backup.time_limit_s, backup.node, backup.check_interval_s) == (3600.0, "secondary", 5.0)
    assert (backup.rule.percent, backup.rule.min_mib, backup.rule.warn_percent) == (20.0, 256.0, 80.0)
    assert cfg.cluster("lab").backup.command is None  # no backup: section, no backup jobs


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("backup: {comand: x}", "clusters.c.backup.comand: unknown key"),
        ("backup: {command: '  '}", "clusters.c.backup.command: an empty command"),
        ("backup: {node: both}", "clusters.c.backup.node: 'both' is not one of secondary, primary"),
        ("backup: {snapshot_percent: 0}", "clusters.c.backup.snapshot_percent: expected a positive number"),
        ("backup: {snapshot_percent: 150}", "clusters.c.backup.snapshot_percent: expected a positive number"),
        ("backup: {warn_percent: 100}", "clusters.c.backup.warn_percent: expected a positive number"),
        ("backup: {time_limit: .inf}", "clusters.c.backup.time_limit: expected a positive number"),
        ("backup: [dd]", "clusters.c.backup: expected a mapping"),
    ],
)
def test_bad_backup_sections_are_refused_by_key(tmp_path: Path, text: str, needle: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(needle)):
        load_config(_write(tmp_path, f"clusters: {{c: {{nodes: [a], {text}}}}}"))


def test_the_backup_section_sets_the_views_snapshot_rule(tmp_path: Path) -> None:
    cfg = load_config(
        _write(tmp_path, "clusters: {c: {nodes: [a], backup: {snapshot_percent: 10, warn_percent: 70}}}")
    )
    rule = cfg.cluster().backup.rule
    assert (rule.percent, rule.min_mib, rule.warn_percent) == (10.0, 256.0, 70.0)
    assert rule.size_bytes(12 * 1024**3) == 1232 * 1024**2  # 10 % of 12 GiB, rounded up to 4 MiB
    assert rule.filling(70.0) and not rule.filling(69.9)


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


# -- numbers: finite, positive, bounded -----------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("connect_timeout", ".nan"),
        ("connect_timeout", ".inf"),
        ("command_timeout", "-.inf"),
        ("command_timeout", "0"),
        ("keepalive_interval", "-2"),
        ("keepalive_interval", ".NaN"),
        ("command_timeout", "100000"),
        ("command_timeout", str(10**400)),
        ("intervals: {pacemaker", ".nan}"),
        ("intervals: {domains", ".inf}"),
        ("intervals: {drbd", "0}"),
    ],
)
def test_timeouts_and_intervals_must_be_finite_and_positive(tmp_path: Path, key: str, value: str) -> None:
    path = _write(tmp_path, f"clusters: {{c: {{nodes: [a], {key}: {value}}}}}")
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    dotted = "clusters.c." + key.replace(": {", ".")
    assert f"{dotted}: expected a positive number of seconds" in str(exc.value)
    assert str(path) in str(exc.value)


def test_max_output_mib_defaults_to_32_and_is_validated(tmp_path: Path) -> None:
    cluster = load_config(_write(tmp_path, "clusters: {c: {nodes: [a]}}")).cluster()
    assert (cluster.max_output_mib, cluster.max_output_bytes) == (32.0, 32 * 1024 * 1024)
    cluster = load_config(_write(tmp_path, "clusters: {c: {nodes: [a], max_output_mib: 0.5}}")).cluster()
    assert cluster.max_output_bytes == 512 * 1024
    for bad in ("0", "-1", ".nan", ".inf", "yes", "lots"):
        path = _write(tmp_path, f"clusters: {{c: {{nodes: [a], max_output_mib: {bad}}}}}")
        with pytest.raises(
            ConfigError, match=r"clusters\.c\.max_output_mib: expected a positive number of MiB"
        ):
            load_config(path)


# -- the file itself: duplicate keys, encoding, emptiness -----------------------------------


def test_duplicate_key_names_file_line_and_key(tmp_path: Path) -> None:
    path = _write(tmp_path, "clusters:\n  c:\n    mode: read-only\n    nodes: [a]\n    mode: operator\n")
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    msg = str(exc.value)
    assert msg.startswith(f"{path} line 5: ")
    assert "duplicate key 'mode' (first given on line 3)" in msg
    assert "\n" not in msg


def test_duplicate_top_level_and_node_keys_are_refused(tmp_path: Path) -> None:
    text = "clusters: {c: {nodes: [a]}}\ntheme: hatui-light\ntheme: hatui-dark\n"
    with pytest.raises(ConfigError, match=r"line 3: .*duplicate key 'theme'"):
        load_config(_write(tmp_path, text))
    with pytest.raises(ConfigError, match="duplicate key 'sudo'"):
        load_config(_write(tmp_path, "clusters: {c: {nodes: [{name: a, sudo: false, sudo: true}]}}"))


def test_merge_keys_may_still_be_overridden(tmp_path: Path) -> None:
    text = "base: &base {nodes: [a], mode: read-only}\nclusters:\n  c:\n    <<: *base\n    mode: operator\n"
    # "base" is not a hatui key: refused as unknown, not as a duplicate of the merged "mode".
    with pytest.raises(ConfigError, match="base: unknown key"):
        load_config(_write(tmp_path, text))
    text = "clusters:\n  c: &c {nodes: [a], mode: read-only}\n  d:\n    <<: *c\n    mode: operator\n"
    cfg = load_config(_write(tmp_path, text))
    assert (cfg.cluster("c").mode, cfg.cluster("d").mode) == ("read-only", "operator")


def test_non_utf8_file_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    raw = b"clusters: {c: {nodes: [caf\xe9]}}\n"  # Latin-1, as an old editor saves it
    path.write_bytes(raw)
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    # The offset counts from 0, as xxd and od print it.
    assert raw.index(b"\xe9") == 26
    assert str(exc.value) == f"{path}: not UTF-8 text at byte 26"


def test_control_character_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_bytes(b"clusters: {c: {nodes: [a\x00]}}\n")
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert str(exc.value).startswith(f"{path}: not valid YAML: unacceptable character #x0000")
    assert "\n" not in str(exc.value)


def test_a_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path)
    assert str(exc.value) == f"{tmp_path}: cannot read: Is a directory"


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_an_empty_file_is_a_config_error(tmp_path: Path, text: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert str(exc.value).startswith(f"{path}: the file is empty; it needs a clusters: section")


# -- permissions ------------------------------------------------------------------------------


def test_a_private_config_has_no_warnings(tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    known.write_text("")
    known.chmod(0o644)
    path = _write(tmp_path, f"clusters: {{c: {{nodes: [a], known_hosts: {known}}}}}")
    path.chmod(0o644)
    assert load_config(path).warnings == ()
    # A known_hosts file that does not exist (yet) is not a permission problem.
    path.write_text(f"clusters: {{c: {{nodes: [a], known_hosts: {tmp_path / 'absent'}}}}}")
    assert load_config(path).warnings == ()


@pytest.mark.parametrize("mode", [0o664, 0o646, 0o666])
def test_group_or_other_writable_config_is_warned_about(tmp_path: Path, mode: int) -> None:
    path = _write(tmp_path, "clusters: {c: {nodes: [a]}}")
    path.chmod(mode)
    assert load_config(path).warnings == (
        f"{path} is writable by group/others (mode {mode:04o}): anyone who can write it can point "
        f"hatui at other hosts or known_hosts files; chmod go-w {path}",
    )


def test_group_writable_known_hosts_is_warned_about(tmp_path: Path) -> None:
    known = tmp_path / "cluster_known_hosts"
    known.write_text("")
    known.chmod(0o664)
    path = _write(tmp_path, f"clusters: {{c: {{nodes: [a], known_hosts: {known}}}}}")
    path.chmod(0o600)
    (warning,) = load_config(path).warnings
    assert warning.startswith(f"{known} (known_hosts of cluster c) is writable by group/others (mode 0664)")
    assert warning.endswith(f"chmod go-w {known}")
