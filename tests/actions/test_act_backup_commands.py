"""The pure builders of the snapshot and backup commands: names, sizes, argv, sudo, refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from hatui.actions.backup_job import JOB_NAME, SCRIPT, STOP_NAME, backup_job, shown_words, stop_argv
from hatui.actions.commands import Danger, Tools
from hatui.actions.commands_lvm import (
    is_own_snapshot,
    lvcreate_snapshot,
    lvremove_snapshot,
    size_mib,
    snapshot_name,
)
from hatui.errors import ActionRefused

WHEN = datetime(2026, 3, 5, 10, 15, 0, tzinfo=timezone(timedelta(hours=1)))
SUDO = Tools(sudo=True)


def test_names_carry_the_utc_time_and_are_told_from_others() -> None:
    name = snapshot_name("www-root", WHEN)
    assert name == "www-root-hatui-20260305T091500"
    assert is_own_snapshot(name) and is_own_snapshot("a-hatui-b-hatui-20260305T091500")
    for other in (
        "www-root-before-resync",
        "www-root-hatui-",
        "www-root-hatui-2026030T091500",
        "-hatui-20260305T091500",
    ):
        assert not is_own_snapshot(other), other
    with pytest.raises(ActionRefused, match="longer than LVM's 127"):
        snapshot_name("x" * 110, WHEN)


def test_lvcreate_and_lvremove_argv_with_sudo() -> None:
    c = lvcreate_snapshot("vg2", "www-root", "s1", 2460 * 1024 * 1024, node="vnode2", tools=SUDO)
    assert c.argv == (
        "sudo", "-n", "env", "LVM_SUPPRESS_FD_WARNINGS=1",
        "lvcreate", "-s", "-L", "2460M", "-n", "s1", "vg2/www-root",
    )  # fmt: skip
    assert (c.node, c.danger) == ("vnode2", Danger.CHANGE)
    r = lvremove_snapshot("vg2", "s1", node="vnode2", tools=Tools())
    assert r.argv == ("env", "LVM_SUPPRESS_FD_WARNINGS=1", "lvremove", "-f", "vg2/s1")
    assert r.danger is Danger.DESTRUCTIVE
    assert lvremove_snapshot("vg2", "s1", node="vnode2", tools=Tools(), own=True).danger is Danger.CHANGE


@pytest.mark.parametrize(
    ("vg", "lv"), [("vg2", "a/b"), ("vg/2", "a"), ("-vg", "a"), ("vg2", "--all"), ("vg2", "a\nb"), ("", "a")]
)
def test_names_that_are_not_one_plain_lvm_name_are_refused(vg: str, lv: str) -> None:
    with pytest.raises(ActionRefused):
        lvremove_snapshot(vg, lv, node="n", tools=Tools())


def test_sizes_round_up_to_whole_mib() -> None:
    assert [size_mib(b) for b in (1, 1024 * 1024, 1024 * 1024 + 1)] == [1, 1, 2]


def test_the_job_argv_positional_words_and_limits() -> None:
    c = backup_job(
        "vg2", "s1", vm="www", node="vnode2", when=WHEN, command="borg create ::x -", limit_s=600.4,
        warn_percent=80, interval_s=5, tools=SUDO,
    )  # fmt: skip
    assert c.argv == (
        "sudo", "-n", "sh", "-c", SCRIPT, JOB_NAME, "vg2/s1", "/dev/vg2/s1",
        "600", "80", "5", "www", "vnode2", "20260305T091500", "borg create ::x -",
    )  # fmt: skip
    assert (c.timeout_s, c.watch, c.danger) == (600.4 + 10 + 30, "vg2/s1", Danger.CHANGE)
    stop = stop_argv(c.argv)
    assert stop is not None and stop[:3] == ("sudo", "-n", "sh") and stop[5] == STOP_NAME
    assert shown_words(c.argv) == (
        "sudo -n sh -c <hatui-backup wrapper> hatui-backup vg2/s1 /dev/vg2/s1 600 80 5 www vnode2 "
        "20260305T091500 'borg create ::x -'"
    )
    assert shown_words(stop) is not None and "<hatui-backup stop>" in shown_words(stop)  # type: ignore[operator]
    assert shown_words(("sh", "-c", "echo hi")) is None
    with pytest.raises(ActionRefused, match="the backup command is empty"):
        backup_job("vg2", "s1", vm="www", node="n", when=WHEN, command="  ", limit_s=1, warn_percent=80,
                   interval_s=1, tools=Tools())  # fmt: skip


def test_a_utc_time_is_stamped_as_it_is() -> None:
    assert snapshot_name("a", datetime(2026, 3, 5, 9, 15, tzinfo=UTC)) == "a-hatui-20260305T091500"
