"""The demo changes over time: resyncs progress, VMs use CPU, Pacemaker's timestamps move."""

from __future__ import annotations

import re

from demo_support import START, crm_status, drbd, make_cluster, out

from hatui.demo import DemoCluster
from hatui.model.domains import Domain
from hatui.parsers.domain_list import parse_xen_list


def _mail_root_sync(c: DemoCluster) -> tuple[float, int, int]:
    peer = drbd(c, "vnode1")["mail-root"].peers[0]
    assert peer.sync_percent is not None and peer.sync_eta_s is not None and peer.sync_speed_kib_s is not None
    return peer.sync_percent, peer.sync_eta_s, peer.sync_speed_kib_s


def test_resync_progresses_with_time() -> None:
    c = make_cluster()
    samples = []
    for _ in range(8):
        samples.append(_mail_root_sync(c))
        c.advance(10)
    percents = [p for p, _, _ in samples]
    etas = [e for _, e, _ in samples]
    speeds = {s for _, _, s in samples}
    assert percents == sorted(percents) and percents[-1] > percents[0] + 5
    assert etas[-1] < etas[0]
    assert len(speeds) > 3, "the measured speed wobbles like a real resync's"
    assert all(25_000 < s < 60_000 for s in speeds)
    # Both sides show it: SyncSource on the Primary, SyncTarget (Inconsistent) on the spare.
    target = drbd(c, "vnode2")["mail-root"]
    assert target.peers[0].connection.value == "SyncTarget" and target.disk.value == "Inconsistent"
    assert target.peers[0].sync_percent == _mail_root_sync(c)[0]


def test_resync_finishes_and_the_spare_becomes_uptodate() -> None:
    c = make_cluster(generation="modern")
    eta = _mail_root_sync(c)[1]
    c.advance(eta + 120)
    for node in ("vnode1", "vnode2"):
        dev = drbd(c, node)["mail-root"]
        assert dev.peers[0].connection.value == "Connected"
        assert (dev.disk.value, dev.peers[0].disk.value) == ("UpToDate", "UpToDate")
        assert dev.out_of_sync_kib == 0
    assert "sync'ed" not in out(c, "vnode1", "cat", "/proc/drbd")
    # The DRBD agent now gives vnode2 a master score for mail-root too.
    node2 = crm_status(c).node("vnode2")
    assert node2 is not None
    attrs = dict(node2.attributes)
    assert attrs.get("master-drbd_mail-root") == "1000"


def test_pause_sync_stops_progress_and_shows_the_user_flag() -> None:
    c = make_cluster()
    out(c, "vnode2", "drbdadm", "pause-sync", "mail-root")
    before = drbd(c, "vnode2")["mail-root"]
    c.advance(30)
    after = drbd(c, "vnode2")["mail-root"]
    assert after.peers[0].connection.value == "PausedSyncT"
    assert after.out_of_sync_kib == before.out_of_sync_kib
    assert after.flags == "r--u-"
    assert drbd(c, "vnode1")["mail-root"].flags == "r-p--"
    res = c.execute("vnode2", ("drbdadm", "pause-sync", "mail-root"))
    assert res.status == 10 and "Sync-pause flag is already set" in res.stderr
    out(c, "vnode2", "drbdadm", "resume-sync", "mail-root")
    c.advance(5)
    resumed = drbd(c, "vnode2")["mail-root"].out_of_sync_kib
    assert resumed is not None and before.out_of_sync_kib is not None
    assert resumed < before.out_of_sync_kib


def test_cpu_time_and_pacemaker_timestamps_move() -> None:
    c = make_cluster(generation="modern")
    first = crm_status(c)
    assert first.last_updated == "Wed Nov 25 17:46:03 2026"
    cpu = {d.name: d.cpu_time_s for d in _xm(c)}
    c.advance(125)
    second = crm_status(c)
    assert second.last_updated == "Wed Nov 25 17:48:08 2026"
    assert second.last_change == first.last_change, "nothing was configured in between"
    for d in _xm(c):
        assert d.cpu_time_s is not None and d.cpu_time_s > (cpu[d.name] or 0.0)
    out(c, "vnode2", "crm_attribute", "-n", "maintenance-mode", "-v", "true")
    assert crm_status(c).last_change == "Wed Nov 25 17:48:08 2026"


def _xm(c: DemoCluster) -> list[Domain]:
    tool = "xm" if c.generation == "seed" else "xl"
    return list(parse_xen_list(out(c, "vnode1", tool, "list"), tool))


def test_live_clock_drives_the_demo_without_advance() -> None:
    clock = [1000.0]
    c = DemoCluster(now=lambda: clock[0], start_wall=START, generation="modern")
    out(c, "vnode3", "crm_resource", "--ban", "-r", "www", "-N", "vnode1")
    clock[0] += 30.0  # real time passing; no advance() call
    status = crm_status(c)
    assert {n for r in status.instances("www") for n in r.nodes} == {"vnode2"}
    stamp = re.search(r'<last_update time="([^"]+)"', out(c, "vnode3", "crm_mon", "--output-as=xml"))
    assert stamp and stamp.group(1) == "Wed Nov 25 17:46:33 2026"
