"""``hatui capture DIR`` keeps what it writes secret and never writes through a link it did not make.

A capture holds ``drbdadm dump all`` (DRBD's shared secret) and the CIB (resource passwords), so:
files 0600 and folders 0700 whatever the umask, no writing into a non-empty DIR without ``--force``,
and no following a symlink planted at a path it writes. Real ``hatui --demo capture`` runs.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from hatui.errors import HatuiError
from hatui.model.capture import NodeCapture
from hatui.replay import read_replay_dir, write_capture_dir


def capture(target: Path, *extra: str, umask: int = 0o022) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hatui", "--demo", "capture", str(target), *extra],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        umask=umask,
    )


def mode(p: Path) -> int:
    return stat.S_IMODE(p.lstat().st_mode)


def refused(out: subprocess.CompletedProcess[str], *words: str) -> None:
    assert out.returncode == 3, (out.returncode, out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    [line] = out.stderr.splitlines()
    assert line.startswith("capture: ")
    for w in words:
        assert w in line, line


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077])
def test_files_are_owner_only_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    target = tmp_path / "new" / "cap"
    out = capture(target, umask=umask)
    assert out.returncode == 0, out.stderr
    files = [p for p in target.rglob("*") if p.is_file()]
    dirs = [target, *(p for p in target.rglob("*") if p.is_dir())]
    assert any(p.name == "drbd_dump" for p in files)
    assert {mode(p) for p in files} == {0o600}
    assert {mode(p) for p in dirs} == {0o700}


def test_existing_dir_with_content_is_refused_without_force(tmp_path: Path) -> None:
    target = tmp_path / "cap"
    target.mkdir()
    (target / "notes.txt").write_text("mine\n")
    out = capture(target)
    refused(out, str(target), "not empty", "--force")
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]


def test_empty_existing_dir_is_used_and_tightened(tmp_path: Path) -> None:
    target = tmp_path / "cap"
    target.mkdir(mode=0o755)
    assert capture(target).returncode == 0
    assert mode(target) == 0o700 and (target / "vnode1" / "crm_mon.txt").is_file()


def test_force_rewrites_and_removes_a_stale_marker(tmp_path: Path) -> None:
    target = tmp_path / "cap"
    assert capture(target).returncode == 0
    (target / "vnode2" / "unreachable").write_text("timed out\n")  # from an earlier, bad night
    (target / "vnode2" / "crm_mon.txt").chmod(0o644)
    (target / "notes.txt").write_text("mine\n")
    out = capture(target, "--force")
    assert out.returncode == 0, out.stderr
    assert not (target / "vnode2" / "unreachable").exists()
    assert mode(target / "vnode2" / "crm_mon.txt") == 0o600
    assert (target / "notes.txt").read_text() == "mine\n"
    assert all(c.reachable for c in read_replay_dir(target))


def test_dir_that_is_a_symlink_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    refused(capture(tmp_path / "link"), "symlink")
    refused(capture(tmp_path / "link", "--force"), "symlink")
    assert list(real.iterdir()) == []


def test_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    refused(capture(tmp_path / "f", "--force"), "not a directory")


def test_force_refuses_a_symlinked_output_file(tmp_path: Path) -> None:
    target = tmp_path / "cap"
    assert capture(target).returncode == 0
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    (target / "vnode1" / "drbd_dump").unlink()
    (target / "vnode1" / "drbd_dump").symlink_to(victim)
    refused(capture(target, "--force"), "vnode1/drbd_dump", "symlink")
    assert victim.read_text() == "precious\n" and mode(victim) == 0o644


def test_force_refuses_a_symlinked_manifest(tmp_path: Path) -> None:
    target = tmp_path / "cap"
    assert capture(target).returncode == 0
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    (target / "manifest.json").unlink()
    (target / "manifest.json").symlink_to(victim)
    refused(capture(target, "--force"), "manifest.json", "symlink")
    assert victim.read_text() == "precious\n"


def test_force_refuses_a_symlinked_node_folder(tmp_path: Path) -> None:
    target = tmp_path / "cap"
    assert capture(target).returncode == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o755)
    for p in (target / "vnode3").iterdir():
        p.unlink()
    (target / "vnode3").rmdir()
    (target / "vnode3").symlink_to(elsewhere)
    refused(capture(target, "--force"), "vnode3", "symlink")
    assert list(elsewhere.iterdir()) == [] and mode(elsewhere) == 0o755


def test_force_does_not_write_through_a_hard_link(tmp_path: Path) -> None:
    target = tmp_path / "cap"
    assert capture(target).returncode == 0
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    (target / "vnode1" / "xm_list").unlink()
    os.link(victim, target / "vnode1" / "xm_list")
    assert capture(target, "--force").returncode == 0
    assert victim.read_text() == "precious\n"
    assert "Domain-0" in (target / "vnode1" / "xm_list").read_text()


@pytest.mark.parametrize("name", ["..", ".", "", "a/b", "../../escape", ".hidden", "manifest.json", "a\0b"])
def test_node_names_that_cannot_be_folders_are_refused(tmp_path: Path, name: str) -> None:
    target = tmp_path / "deep" / "cap"
    caps = [NodeCapture(node="ok"), NodeCapture(node=name, outputs={"xm_list": "secret"})]
    with pytest.raises(HatuiError, match="cannot be a folder name") as info:
        write_capture_dir(target, caps)
    assert info.value.title == "capture"
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir()] == []


def test_output_names_that_are_paths_are_refused(tmp_path: Path) -> None:
    caps = [NodeCapture(node="n1", outputs={"../../outside": "secret"})]
    with pytest.raises(HatuiError, match="cannot be a file name"):
        write_capture_dir(tmp_path / "cap", caps)
    assert not (tmp_path / "outside").exists()


def test_duplicate_node_names_are_refused(tmp_path: Path) -> None:
    with pytest.raises(HatuiError, match="given twice: n1"):
        write_capture_dir(tmp_path / "cap", [NodeCapture(node="n1"), NodeCapture(node="n1")])


def test_capture_round_trips_through_replay(tmp_path: Path) -> None:
    target = tmp_path / "cap"
    assert capture(target).returncode == 0
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["schema"] == "hatui.capture/1" and set(manifest["nodes"]) == {
        "vnode1",
        "vnode2",
        "vnode3",
    }
    caps = read_replay_dir(target)
    assert [c.node for c in caps] == ["vnode1", "vnode2", "vnode3"]
    assert caps[0].stack.crm_mon == "text" and "drbd_dump" in caps[0].outputs  # the seed demo: 1.0.9
