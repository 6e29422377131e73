"""The stack cache's file: where it lives, who may read it, and that nothing in it can break hatui."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from hatui.sources import stack_cache
from hatui.sources.detect import probe_commands
from hatui.transport.base import CommandResult

PROBES = probe_commands()


def entry(fingerprint: str = "123 456", text: str = "Pacemaker 2.1.5\n") -> stack_cache.CachedStack:
    answers = {name: CommandResult(tuple(argv), 0, text, "") for name, argv in PROBES.items()}
    return stack_cache.CachedStack(answers, fingerprint)


def reread(key: str = "node") -> stack_cache.CachedStack | None:
    """What a new process would find for ``key``."""
    stack_cache.forget()
    return stack_cache.lookup(key, PROBES, persist=True)


def test_the_file_follows_xdg_cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert stack_cache.cache_path() == tmp_path / "xdg" / "hatui" / "stacks.json"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")  # invalid per the spec: ignored
    assert stack_cache.cache_path() == Path.home() / ".cache" / "hatui" / "stacks.json"


def test_an_entry_survives_the_process_in_a_private_file() -> None:
    stack_cache.remember("node", entry(), persist=True)
    path = stack_cache.cache_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    found = reread()
    assert found is not None and found.fingerprint == "123 456"
    version = CommandResult(PROBES["crm_mon_version"], 0, "Pacemaker 2.1.5\n", "")
    assert found.probes["crm_mon_version"] == version
    assert [p.name for p in path.parent.iterdir()] == ["stacks.json"]  # no temp file left behind


def test_an_open_cache_dir_is_made_private() -> None:
    directory = stack_cache.cache_path().parent
    directory.mkdir(parents=True, mode=0o755)
    directory.chmod(0o755)
    stack_cache.remember("node", entry(), persist=True)
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700


def test_memory_only_entries_never_reach_the_file() -> None:
    stack_cache.remember("by-name", entry(), persist=False)
    assert stack_cache.lookup("by-name", PROBES, persist=False) is not None
    assert not stack_cache.cache_path().exists()


def test_an_entry_for_other_probes_is_not_used() -> None:
    """A hatui with other probes (added, or another argv) must not read answers to the old ones."""
    stack_cache.remember("node", entry(), persist=True)
    assert stack_cache.lookup("node", {**PROBES, "new_probe": ("x", "--version")}, persist=True) is None
    assert stack_cache.lookup("node", {**PROBES, "which": ("which", "xl")}, persist=True) is None
    assert stack_cache.lookup("node", probe_commands(sudo=True), persist=True) is None


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00\xff not json",
        b'{"format": "hatui-stacks/1", "nodes": {"node": {"fingerprint": 1, "probes": {}}}}',
        b'{"format": "hatui-stacks/1", "nodes": {"node": {"fingerprint": "1", "probes": {"which": [1]}}}}',
        b'{"format": "hatui-stacks/1", "nodes": []}',
        b'{"format": "someone-else", "nodes": {}}',
        b"[1, 2, 3]",
    ],
)
def test_a_corrupt_or_foreign_file_is_ignored_and_replaced(content: bytes) -> None:
    path = stack_cache.cache_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    assert reread() is None
    stack_cache.remember("node", entry(), persist=True)
    assert reread() is not None


def test_a_file_someone_else_owns_is_not_read() -> None:
    if os.geteuid() != 0:
        pytest.skip("giving a file to another user needs root")
    stack_cache.remember("node", entry(), persist=True)
    os.chown(stack_cache.cache_path(), 4242, -1)
    assert reread() is None


def test_entries_from_another_process_are_kept() -> None:
    stack_cache.remember("a", entry("1"), persist=True)
    stack_cache.forget()
    # Another hatui that never saw "a" adds "b": the file keeps both.
    stack_cache.remember("b", entry("2"), persist=True)
    assert reread("a") is not None and reread("b") is not None


def test_the_file_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stack_cache, "MAX_ENTRIES", 3)
    for n in range(5):
        stack_cache.remember(f"node{n}", entry(str(n)), persist=True)
    nodes = json.loads(stack_cache.cache_path().read_text())["nodes"]
    assert len(nodes) == 3 and "node4" in nodes
    # A huge answer stays in memory only.
    stack_cache.remember("huge", entry(text="x" * (stack_cache.MAX_ENTRY_CHARS + 1)), persist=True)
    assert stack_cache.lookup("huge", PROBES, persist=True) is not None
    assert reread("huge") is None


def test_a_cache_that_cannot_be_written_is_no_error() -> None:
    blocker = stack_cache.cache_path().parent.parent
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("a file where the cache dir would be")
    stack_cache.remember("node", entry(), persist=True)
    assert stack_cache.lookup("node", PROBES, persist=True) is not None
