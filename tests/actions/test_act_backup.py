"""Snapshots and backup jobs planned on the demo's LVM and run end to end through the runner.

The demo (both generations) has the reference's storage: every VM disk a DRBD resource on an LV of
vg2 (root) or vg1 (swap) on vnode1 and vnode2, LVM 2.02.39 columns on the seed, 2.03 JSON on the
modern one. Its lvcreate/lvremove change that LVM; its ``sh`` plays the job's wrapper (the command
reads the snapshot in demo time, the wrapper's limit and fill checks with its messages). Views are
the project's own collectors and parsers reading the demo, so every assertion about "the snapshot
is there / gone" is what ``lvs`` printed.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from actions_support import Bench, bench

from hatui.actions import long_run
from hatui.actions.audit import format_record
from hatui.actions.backup_job import EXIT_FILLING, EXIT_TIME_LIMIT, STOP_NAME
from hatui.actions.catalog import CATALOG, WRITES, plan_action
from hatui.actions.commands import Danger
from hatui.actions.plans import ActionContext
from hatui.actions.running import leaves_behind
from hatui.config_backup import BackupConfig
from hatui.errors import ActionRefused, HatuiError
from hatui.model.view import ClusterView
from hatui.sources.make import demo_config
from hatui.transport.base import CommandResult

DEMO_BACKUP = demo_config().cluster().backup
STAMP = re.compile(r"-hatui-\d{8}T\d{6}$")


def backup_bench(tmp_path: Path, generation: str = "seed", *, fast: bool = True, **backup: Any) -> Bench:
    """A demo bench whose cluster has the demo's ``backup:`` section (fields overridden by ``backup``).

    ``fast=False``: demo time moves only with the job (the wrapper's checks second by second).
    """
    b = bench(tmp_path, generation=generation, fast=fast, advance=5 * 3600.0)  # start-up resyncs over
    cluster = replace(b.cluster, backup=replace(DEMO_BACKUP, **backup))
    b.cluster = b.runner.cluster = b.observer.cluster = cluster
    return b


def snapshots(view: ClusterView, node: str) -> list[str]:
    """The snapshots lvs lists on ``node``."""
    return sorted(nl.lv.path for nl in view.storage.snapshots() if nl.node == node)


def audit(b: Bench) -> list[dict[str, Any]]:
    return [json.loads(line) for line in b.audit_path.read_text().splitlines()]


def verbs(argvs: list[tuple[str, ...]]) -> list[str]:
    """``lvcreate``, ``hatui-backup``, ``lvremove``: what each command is."""
    return [
        "hatui-backup" if a[:2] == ("sh", "-c") else next(w for w in a if w.startswith("lv")) for a in argvs
    ]


def test_the_catalog_has_the_three_actions_as_writes() -> None:
    assert {"snapshot_create", "backup_run", "snapshot_remove"} <= WRITES
    assert (CATALOG["snapshot_create"].kind, CATALOG["backup_run"].kind) == ("vm", "vm")
    assert CATALOG["snapshot_remove"].kind == "snapshot"


@pytest.mark.parametrize("generation", ["seed", "modern"])
async def test_a_snapshot_goes_to_the_uptodate_secondary_sized_by_the_rule(
    tmp_path: Path, generation: str
) -> None:
    b = backup_bench(tmp_path, generation)
    ctx = await b.context()
    plan = plan_action(ctx, "snapshot_create", "www")
    assert plan.title == "Snapshot the disks of www on vnode2?"
    [phase] = plan.phases
    root, swap = phase.commands
    assert root.node == swap.node == "vnode2"
    # 20 % of the 12 GiB root is 2457.6 MiB, rounded up to whole 4 MiB extents; the 2 GiB swap's 20 %.
    assert root.argv[:7] == ("env", "LVM_SUPPRESS_FD_WARNINGS=1", "lvcreate", "-s", "-L", "2460M", "-n")
    assert root.argv[8] == "vg2/www-root" and STAMP.search(root.argv[7])
    assert swap.argv[5:7] == ("412M", "-n") and swap.argv[8] == "vg1/www-swap"
    assert any("crash-consistent" in n for n in plan.notes)
    assert any("DRBD Secondary vnode2" in n and "Primary vnode1" in n for n in plan.notes)
    # The wait reads lvs: not there yet.
    assert phase.waits[0].check(ctx.view) == (
        f"vg2/{root.argv[7]}, vg1/{swap.argv[7]} not yet listed by lvs on vnode2"
    )
    assert not plan.finally_commands
    assert plan.danger is Danger.CHANGE


async def test_a_backup_removes_its_own_snapshots_and_a_removal_is_destructive(tmp_path: Path) -> None:
    b = backup_bench(tmp_path)
    ctx = await b.context()
    backup = plan_action(ctx, "backup_run", "www")
    assert [c.argv[2:4] for c in backup.finally_commands] == [("lvremove", "-f")] * 2
    assert backup.danger is Danger.CHANGE  # the snapshots it removes are its own
    [job] = backup.phases[1].commands[:1]
    assert job.timeout_s is not None and job.timeout_s > DEMO_BACKUP.time_limit_s
    assert job.watch == job.argv[4]
    await b.runner.run(plan_action(ctx, "snapshot_create", "www"))
    [path, _] = sorted(snapshots(await b.view(), "vnode2"), reverse=True)
    remove = plan_action(await b.context(), "snapshot_remove", path, "vnode2")
    assert remove.danger is Danger.DESTRUCTIVE


async def test_snapshot_then_remove_end_to_end(tmp_path: Path) -> None:
    b = backup_bench(tmp_path)
    result = await b.runner.run(plan_action(await b.context(), "snapshot_create", "www"))
    assert result.ok, result.outcome
    made = snapshots(await b.view(), "vnode2")
    assert [STAMP.sub("", p) for p in made] == ["vg1/www-swap", "vg2/www-root"]
    view = await b.view()
    [nl] = [n for n in view.storage.snapshots() if n.lv.path == made[1]]
    assert (nl.lv.origin, nl.domain, nl.lv.size_bytes) == ("www-root", "www", 2460 * 1024 * 1024)
    again = plan_action(await b.context(), "snapshot_create", "www")
    assert any(
        f"vnode2 already holds snapshots of www's disks ({made[1]}, {made[0]})" in n for n in again.notes
    )
    for path in made:
        removed = await b.runner.run(plan_action(await b.context(), "snapshot_remove", path, "vnode2"))
        assert removed.ok, removed.outcome
    assert snapshots(await b.view(), "vnode2") == []
    starts = [r for r in audit(b) if r["event"] == "start"]
    assert [r["action"] for r in starts] == ["snapshot_create", "snapshot_remove", "snapshot_remove"]
    assert verbs([tuple(c["argv"]) for r in starts for c in r["commands"]]) == [
        "lvcreate", "lvcreate", "lvremove", "lvremove"
    ]  # fmt: skip


@pytest.mark.parametrize("generation", ["seed", "modern"])
async def test_a_backup_job_runs_and_removes_its_snapshots(
    tmp_path: Path, generation: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(long_run, "PROGRESS_EVERY_S", 0.05)
    b = backup_bench(tmp_path, generation)
    lines: list[str] = []
    panel: list[str] = []

    def progress(line: str) -> None:
        lines.append(line)
        panel.extend(r.describe(r.started) for r in b.runner.running())

    plan = plan_action(await b.context(), "backup_run", "www")
    result = await b.runner.run(plan, progress)
    assert result.ok, result.outcome
    assert result.outcome == "backup of www done on vnode2 (2 disk(s) read), snapshots removed"
    assert snapshots(await b.view(), "vnode2") == []
    sent = [argv for node, argv in b.writes() if node == "vnode2"]
    assert verbs(sent) == ["lvcreate", "lvcreate", "hatui-backup", "hatui-backup", "lvremove", "lvremove"]
    job = sent[2]
    assert job[3:6] == ("hatui-backup", job[4], f"/dev/{job[4]}") and job[4].startswith("vg2/www-root-hatui-")
    assert job[6:10] == ("3600", "80", "5", "www") and job[12] == DEMO_BACKUP.command
    # The progress named the job by its summary and showed the snapshot's fill from lvs.
    assert any(
        re.match(rf"waiting \d+s / \d+s for run the backup command on vnode2 reading {job[4]}: snap", x)
        for x in lines
    )
    assert any(re.search(r": snapshot vg2/www-root-hatui-\S+ \d+% full$", x) for x in lines)
    # The actions panel's line: the job's step, its progress, and the whole plan's limit (the job's own).
    assert any(
        re.fullmatch(r"backup_run www · 2/2 back up www on vnode2 · waiting .*% full · 0s / \d{4}s", x)
        for x in panel
    ), panel[-3:]
    [start, end] = audit(b)
    assert verbs([tuple(c["argv"]) for c in start["commands"]]) == verbs(sent)
    assert end["ok"] is True and [r["exit_status"] for r in end["results"]] == [0] * 6
    assert end["results"][2]["argv"] == list(job)  # the log keeps the whole argv; hatui log shows it short
    assert f"[vnode2] sh -c <hatui-backup wrapper> hatui-backup {job[4]} /dev/{job[4]} 3600 80 5 www" in (
        format_record(start)
    )
    assert f"hatui-backup {job[4]}=0, hatui-backup vg1/www-swap-hatui-" in format_record(end)


async def test_a_job_failing_half_way_still_removes_the_snapshots(tmp_path: Path) -> None:
    b = backup_bench(tmp_path)
    b.demo.inject("fail-backup", "vnode2")
    result = await b.runner.run(plan_action(await b.context(), "backup_run", "www"))
    assert not result.ok
    assert result.outcome.startswith("`run the backup command on vnode2 reading vg2/www-root-hatui-")
    assert " exited 1: " in result.outcome
    assert snapshots(await b.view(), "vnode2") == []
    sent = [argv for node, argv in b.writes() if node == "vnode2"]
    # The first job failed: the second disk's job never ran, both snapshots were removed.
    assert verbs(sent) == ["lvcreate", "lvcreate", "hatui-backup", "lvremove", "lvremove"]
    end = audit(b)[-1]
    assert end["ok"] is False
    assert [r["exit_status"] for r in end["results"]] == [0, 0, 1, 0, 0]
    assert "gzip: stdout: Input/output error" in end["results"][2]["stderr"]


async def test_a_snapshot_filling_during_the_job_stops_it(tmp_path: Path) -> None:
    b = backup_bench(tmp_path)
    plan = plan_action(await b.context(), "backup_run", "www")
    root = plan.phases[1].commands[0].argv[4]

    def fill_when_the_job_starts(line: str) -> None:
        if line.startswith("[vnode2] run the backup command"):
            b.demo.inject("fill-snapshot", root)

    result = await b.runner.run(plan, fill_when_the_job_starts)
    assert not result.ok
    # 85 % when injected, a little more by the wrapper's next check.
    stop = rf" exited {EXIT_FILLING}: hatui-backup: snapshot {root} is 8\d\.\d\d% full \(stop level 80%\)"
    assert re.search(stop + ": job stopped$", result.outcome), result.outcome
    assert snapshots(await b.view(), "vnode2") == []
    assert [r["exit_status"] for r in audit(b)[-1]["results"]] == [0, 0, EXIT_FILLING, 0, 0]


async def test_a_job_past_its_time_limit_is_stopped(tmp_path: Path) -> None:
    # The 12 GiB root takes 12 demo seconds to read; demo time moves second by second with the job.
    b = backup_bench(tmp_path, fast=False, time_limit_s=3)
    result = await b.runner.run(plan_action(await b.context(), "backup_run", "www"))
    assert not result.ok
    assert result.outcome.endswith(
        f" exited {EXIT_TIME_LIMIT}: hatui-backup: time limit of 3s reached: job stopped"
    )
    assert snapshots(await b.view(), "vnode2") == []
    assert verbs([tuple(a) for a in (r["argv"] for r in audit(b)[-1]["results"])])[-2:] == ["lvremove"] * 2


# -- refusals ---------------------------------------------------------------------------------------


async def test_a_vg_too_small_for_the_rule_is_refused(tmp_path: Path) -> None:
    b = backup_bench(tmp_path, snapshot_min_mib=300_000.0)  # 293 GiB each; vg2 has 202 GiB free
    ctx = await b.context()
    with pytest.raises(
        ActionRefused, match=r"volume group vg2 on vnode2 has .* free; the snapshots of mail need"
    ):
        plan_action(ctx, "snapshot_create", "mail")
    assert b.writes() == []


async def test_a_synctarget_is_refused_and_no_secondary_fits(tmp_path: Path) -> None:
    b = bench(tmp_path)  # at the start the seed demo resyncs mail-root: vnode2 is its SyncTarget
    ctx = await b.context()
    with pytest.raises(
        ActionRefused, match=r"mail-root is Inconsistent, SyncTarget on vnode2: .*half old, half new"
    ):
        plan_action(ctx, "snapshot_create", "mail", "vnode2")
    with pytest.raises(
        ActionRefused, match=r"no node holds every disk of mail as an UpToDate DRBD Secondary"
    ):
        plan_action(ctx, "snapshot_create", "mail")
    # On the Primary, asked for by name, its data is good.
    assert plan_action(ctx, "snapshot_create", "mail", "vnode1").commands[0].node == "vnode1"


async def test_no_backup_command_refuses_the_job_not_the_snapshot(tmp_path: Path) -> None:
    b = backup_bench(tmp_path, command=None)
    ctx = await b.context()
    with pytest.raises(ActionRefused, match="no backup command is configured"):
        plan_action(ctx, "backup_run", "www")
    assert plan_action(ctx, "snapshot_create", "www").commands


async def test_read_only_and_monitor_refuse_all_three(tmp_path: Path) -> None:
    b = backup_bench(tmp_path)
    for kwargs in ({"read_only": True}, {"monitor": True}):
        ctx = await b.context(**kwargs)
        for action, target, node in (
            ("snapshot_create", "www", None),
            ("backup_run", "www", None),
            ("snapshot_remove", "vg2/www-root", "vnode2"),
        ):
            with pytest.raises(ActionRefused):
                plan_action(ctx, action, target, node)


async def test_the_runner_refuses_a_backup_on_a_read_only_cluster(tmp_path: Path) -> None:
    b = backup_bench(tmp_path)
    plan = plan_action(await b.context(), "backup_run", "www")
    b.runner.cluster = replace(b.cluster, mode="read-only")
    with pytest.raises(ActionRefused, match="read-only"):
        await b.runner.run(plan)
    assert b.writes() == []
    assert audit(b)[-1]["event"] == "refused"


async def test_removing_an_lv_that_is_not_a_snapshot_is_refused(tmp_path: Path) -> None:
    ctx = await backup_bench(tmp_path).context()
    with pytest.raises(
        ActionRefused, match="vg2/www-root on vnode2 is not a snapshot: hatui removes only snapshots"
    ):
        plan_action(ctx, "snapshot_remove", "vg2/www-root", "vnode2")
    with pytest.raises(ActionRefused, match="vnode2 lists no logical volume vg2/nothing"):
        plan_action(ctx, "snapshot_remove", "vg2/nothing", "vnode2")


async def test_a_snapshot_hatui_did_not_make_needs_an_override_and_its_name(tmp_path: Path) -> None:
    b = backup_bench(tmp_path)
    made = b.demo.execute(
        "vnode2", ("lvcreate", "-s", "-L", "256M", "-n", "www-root-before-resync", "vg2/www-root")
    )
    assert made.status == 0, made.stderr
    b.demo.inject("fill-snapshot", "mail")  # the fault makes a hatui snapshot of mail's root
    view = await b.view()
    ctx = ActionContext(view, b.cluster)
    theirs = plan_action(ctx, "snapshot_remove", "vg2/www-root-before-resync", "vnode2")
    assert theirs.confirm_name == "www-root-before-resync"
    assert [c.code for c in theirs.concerns] == ["not-ours"]
    [ours] = [p for p in snapshots(view, "vnode2") if p.startswith("vg2/mail-root-hatui-")]
    plan = plan_action(ctx, "snapshot_remove", ours, "vnode2")
    assert plan.confirm_name is None and plan.concerns == ()
    assert plan.notes == ("Its origin mail-root is untouched.",)


def test_backup_config_defaults_have_no_command() -> None:
    assert BackupConfig().command is None


async def test_a_cancelled_job_is_stopped_on_the_node_then_its_snapshots_removed(tmp_path: Path) -> None:
    b = backup_bench(tmp_path)
    plan = plan_action(await b.context(), "backup_run", "www")
    loop = asyncio.get_running_loop()

    said: list[str] = []

    def cancel_when_the_job_runs(line: str) -> None:
        if line.startswith("[vnode2] run the backup command"):
            [running] = b.runner.running()
            said.append(leaves_behind(running))  # what the quit question says
            loop.call_later(0.1, b.runner.cancel, running.id)

    result = await b.runner.run(plan, cancel_when_the_job_runs)
    assert not result.ok
    assert result.outcome.startswith("cancelled by the admin at 2/2 back up www on vnode2")
    assert snapshots(await b.view(), "vnode2") == []
    ran = [r.argv for _, r in result.results]
    assert verbs(ran) == ["lvcreate", "lvcreate", "hatui-backup", "lvremove", "lvremove"]
    assert (
        ran[2][3] == STOP_NAME
        and ran[2][4]
        == f"[h]atui-backup {plan.phases[1].commands[0].argv[4]} /dev/" + (plan.phases[1].commands[0].argv[4])
    )
    assert [r["argv"][3] for r in audit(b)[-1]["results"] if r["argv"][0] == "sh"] == [STOP_NAME]
    assert said == [
        "backup_run www: stopped (it is at 2/2 back up www on vnode2), then: remove snapshot "
        f"{ran[3][-1]} on vnode2; remove snapshot {ran[4][-1]} on vnode2"
    ]


class BrokenPolls:
    """An observer whose every poll fails (the nodes' sources in trouble while a job runs)."""

    def __init__(self) -> None:
        self.polls = 0

    async def observe(self) -> ClusterView:
        self.polls += 1
        raise HatuiError("every node timed out")


async def test_a_failing_progress_poll_does_not_end_the_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(long_run, "PROGRESS_EVERY_S", 0.02)
    b = backup_bench(tmp_path)
    plan = plan_action(await b.context(), "backup_run", "www")
    for c in plan.phases[0].commands:
        assert b.demo.execute("vnode2", c.argv).status == 0
    job = plan.phases[1].commands[0]
    observer, lines = BrokenPolls(), list[str]()
    results: list[tuple[str, CommandResult]] = []
    result = await long_run.run_long(b.transports["vnode2"], job, observer, None, lines.append, results)
    assert result.exit_status == 0 and observer.polls > 0
    assert lines and all(line.endswith("fill not read yet") for line in lines)
    assert results == []  # ended with a result: nothing was stopped
