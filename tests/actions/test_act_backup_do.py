"""``hatui do snapshot``, ``backup``, ``snapshot-remove`` and the ``snapshots`` listing on the demo.

In-process (``act``/``list_snapshots`` on a fast demo bench's transports) for the runs, so that a
backup job's demo seconds pass quickly; the argument checks and ``--list`` without a cluster.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from actions_support import Bench, bench

from hatui.do.args import listing
from hatui.do.flow import (
    EXIT_DONE,
    EXIT_FAILED,
    EXIT_REFUSED,
    DoArgs,
    Terminal,
    act,
    list_snapshots,
)
from hatui.do.snapshots import age_text
from hatui.do.target import CannotPlanError
from hatui.snapshot.once import SourceChoice
from hatui.sources.make import demo_config

DEMO = SourceChoice(demo=True)


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))


def backup_bench(tmp_path: Path) -> Bench:
    b = bench(tmp_path, advance=5 * 3600.0)
    cluster = replace(b.cluster, backup=demo_config().cluster().backup)
    b.cluster = b.runner.cluster = b.observer.cluster = cluster
    return b


async def do(b: Bench, args: DoArgs) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    term = Terminal(out, err, io.StringIO())
    if args.action == "snapshots":
        code = await list_snapshots(args, b.cluster, b.transports, term)
    else:
        code = await act(args, b.cluster, b.transports, term)
    return code, out.getvalue(), err.getvalue()


def audit(tmp_path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (tmp_path / "hatui" / "audit.log").read_text().splitlines()]


def test_the_list_names_the_ids_and_their_targets() -> None:
    rows = {line.split()[0]: line for line in listing().splitlines()}
    assert re.search(r"VM \[--node NODE\]\s+LVM snapshot", rows["snapshot"])
    assert re.search(r"VM \[--node NODE\]\s+Snapshot, run backup.command", rows["backup"])
    assert "VG/LV --node NODE" in rows["snapshot-remove"]
    assert "List every LVM snapshot" in rows["snapshots"]


async def test_snapshot_list_then_remove_from_the_command_line(tmp_path: Path) -> None:
    b = backup_bench(tmp_path)
    code, out, _ = await do(b, DoArgs("snapshot", "www", DEMO, node="vnode1", yes=True))
    assert code == EXIT_DONE, out
    assert re.search(r"done: snapshots of www on vnode1: vg2/www-root-hatui-\S+, vg1/www-swap-hatui-", out)
    code, out, _ = await do(b, DoArgs("snapshots", None, DEMO))
    assert code == EXIT_DONE
    head, *rows = out.splitlines()
    assert head.split() == ["NODE", "SNAPSHOT", "ORIGIN", "AGE", "SIZE", "FILL", "VM"]
    root = next(r.split() for r in rows if "www-root-hatui-" in r)
    assert (root[0], root[2], root[4], root[6]) == ("vnode1", "www-root", "2.4G", "www")
    assert re.fullmatch(r"\d+(\.\d)?%", root[5])
    code, out, _ = await do(b, DoArgs("snapshots", None, DEMO, fmt="json"))
    doc = json.loads(out)
    assert doc["schema"] == "hatui.snapshots/1"
    [rec] = [s for s in doc["snapshots"] if s["origin"] == "www-root"]
    assert (rec["node"], rec["vm"], rec["size_bytes"], rec["hatui"], rec["invalid"]) == (
        "vnode1", "www", 2460 * 1024 * 1024, True, False
    )  # fmt: skip
    code, out, _ = await do(b, DoArgs("snapshot-remove", rec["path"], DEMO, node="vnode1", yes=True))
    assert code == EXIT_DONE, out
    assert f"done: snapshot {rec['path']} removed on vnode1" in out
    assert [r["action"] for r in audit(tmp_path) if r["event"] == "end"] == [
        "snapshot_create",
        "snapshot_remove",
    ]


async def test_backup_from_the_command_line_and_a_failure_half_way(tmp_path: Path) -> None:
    b = backup_bench(tmp_path)
    code, out, _ = await do(b, DoArgs("backup", "www", DEMO, yes=True, fmt="json"))
    doc = json.loads(out)
    assert code == EXIT_DONE, doc
    assert doc["outcome"]["message"] == "backup of www done on vnode2 (2 disk(s) read), snapshots removed"
    assert [s["argv"][3] if s["argv"][0] == "sh" else s["argv"][2] for s in doc["steps"]] == [
        "lvcreate", "lvcreate", "hatui-backup", "hatui-backup", "lvremove", "lvremove"
    ]  # fmt: skip
    assert any("crash-consistent" in w for w in doc["warnings"])
    b.demo.inject("fail-backup", "vnode2")
    code, out, _ = await do(b, DoArgs("backup", "www", DEMO, yes=True))
    assert code == EXIT_FAILED
    # The plan as text: the wrapper's script by name, its words quoted as the shell reads them.
    job = r"\[vnode2\] sh -c <hatui-backup wrapper> hatui-backup (vg2/www-root-hatui-\S+) /dev/\1 "
    assert re.search(job + r"3600 80 5 www vnode2 \d{8}T\d{6} 'dd if=\"\$HATUI_DEVICE\" bs=4M \| gzip", out)
    assert re.search(
        r"FAILED: `run the backup command on vnode2 reading vg2/www-root-hatui-\S+ .*exited 1", out
    )
    code, out, _ = await do(b, DoArgs("snapshots", None, DEMO))
    assert out == "no snapshots\n"
    ended = [r for r in audit(tmp_path) if r["event"] == "end"]
    assert [r["ok"] for r in ended] == [True, False]
    assert [r["argv"][2] for r in ended[1]["results"]][-2:] == ["lvremove", "lvremove"]


async def test_command_line_mistakes_say_what_exists(tmp_path: Path) -> None:
    b = backup_bench(tmp_path)
    with pytest.raises(CannotPlanError, match=r"no VM 'nope' \(VMs: .*www"):
        await do(b, DoArgs("backup", "nope", DEMO))
    with pytest.raises(CannotPlanError, match="snapshot-remove needs --node NODE"):
        await do(b, DoArgs("snapshot-remove", "vg2/x", DEMO))
    with pytest.raises(
        CannotPlanError, match=r"vnode2 lists no snapshot 'vg2/www-root' \(its snapshots: none\)"
    ):
        await do(b, DoArgs("snapshot-remove", "vg2/www-root", DEMO, node="vnode2"))
    with pytest.raises(CannotPlanError, match="snapshots takes no TARGET"):
        await do(b, DoArgs("snapshots", "www", DEMO))
    code, out, _ = await do(b, DoArgs("snapshot", "mail", DEMO, node="vnode3", yes=True))
    assert code == EXIT_REFUSED and "vnode3 holds no disk of mail" in out


def test_age_text() -> None:
    assert [age_text(s) for s in (None, 5, 125, 3 * 3600 + 1200, 2 * 86400 + 4 * 3600)] == [
        "?", "5s", "2m05s", "3h20m", "2d04h"
    ]  # fmt: skip
