"""StandAlone on purpose is a warning; split-brain is claimed only on evidence of diverged data.

The inputs are /proc/drbd 8.3 texts as the kernel prints them (the layout of the replays), read by
the real parser, for both ends of one resource.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hatui.model.drbd import DrbdResourceConf
from hatui.model.health import CRITICAL, WARNING, HealthStatus, evaluate
from hatui.model.report import NodeReport
from hatui.model.view import ClusterView
from hatui.parsers.drbd9 import parse_drbdadm_status
from hatui.parsers.proc_drbd import parse_proc_drbd

HEAD = (
    "version: 8.3.7 (api:88/proto:86-91)\n"
    "GIT-hash: ea9e28dbff98e331a62bcbcc63a6135808fe2917 build by root@vnode1, 2010-03-02 12:12:48\n\n"
)
CONF = (DrbdResourceConf("r0", (("vnode1", 1), ("vnode2", 1))),)


def proc(cs: str, ro: str, ds: str, oos: int | None = 0) -> str:
    proto = "" if cs == "StandAlone" or cs == "WFConnection" else "C "
    counters = "    ns:1048576 nr:0 dw:1048576 dr:1052672 al:0 bm:0 lo:0 pe:0 ua:0 ap:0"
    counters += f" ep:1 wo:b oos:{oos}\n" if oos is not None else "\n"
    return HEAD + f" 1: cs:{cs} ro:{ro} ds:{ds} {proto}  r----\n" + counters


def judge(one: str, two: str | None) -> tuple[HealthStatus, dict[str, str]]:
    texts = {"vnode1": one, "vnode2": two}
    reports = tuple(
        NodeReport(
            node=n,
            unreachable=None if t else "connection refused",
            drbd=parse_proc_drbd(t, n) if t else None,
            drbd_conf=CONF,
        )
        for n, t in texts.items()
    )
    h = evaluate(ClusterView("t", reports, datetime(2026, 1, 1, tzinfo=UTC)), ignore=("pacemaker-unread",))
    found: dict[str, str] = {}
    for p in h.problems:
        if found.get(p.code) != CRITICAL:
            found[p.code] = p.severity
    return h.status, found


@pytest.mark.parametrize(
    ("one", "two"),
    [
        # `drbdadm disconnect r0` on the Secondary: both ends keep UpToDate, the Primary alone writes.
        (
            proc("WFConnection", "Primary/Unknown", "UpToDate/DUnknown", oos=8192),
            proc("StandAlone", "Secondary/Unknown", "UpToDate/DUnknown", oos=0),
        ),
        # The same on both ends by hand.
        (
            proc("StandAlone", "Primary/Unknown", "UpToDate/DUnknown", oos=4096),
            proc("StandAlone", "Secondary/Unknown", "UpToDate/DUnknown", oos=0),
        ),
        # Disconnected just now: nothing written yet on either end.
        (
            proc("StandAlone", "Primary/Unknown", "UpToDate/DUnknown", oos=0),
            proc("WFConnection", "Secondary/Unknown", "UpToDate/DUnknown", oos=0),
        ),
        # DRBD 8.0 prints no oos counter: no evidence of divergence, so no split-brain claimed.
        (
            proc("StandAlone", "Primary/Unknown", "UpToDate/DUnknown", oos=None),
            proc("StandAlone", "Secondary/Unknown", "UpToDate/DUnknown", oos=None),
        ),
    ],
    ids=["secondary-disconnected", "both-by-hand", "fresh", "no-counters"],
)
def test_standalone_on_purpose_is_a_warning(one: str, two: str) -> None:
    status, found = judge(one, two)
    assert found["drbd-standalone"] == WARNING
    assert "drbd-split-brain" not in found
    assert all(sev == WARNING for sev in found.values()), found


@pytest.mark.parametrize(
    ("one", "two"),
    [
        # Two writers: both Primary, the connection down.
        (
            proc("StandAlone", "Primary/Unknown", "UpToDate/DUnknown", oos=2048),
            proc("StandAlone", "Primary/Unknown", "UpToDate/DUnknown", oos=4096),
        ),
        (
            proc("StandAlone", "Primary/Unknown", "UpToDate/DUnknown", oos=None),
            proc("WFConnection", "Primary/Unknown", "UpToDate/DUnknown", oos=None),
        ),
        # The spare was promoted while apart, wrote, then went back to Secondary: both ends hold
        # blocks the other lacks.
        (
            proc("StandAlone", "Primary/Unknown", "UpToDate/DUnknown", oos=3072),
            proc("StandAlone", "Secondary/Unknown", "UpToDate/DUnknown", oos=3072),
        ),
    ],
    ids=["both-primary", "both-primary-no-counters", "both-wrote"],
)
def test_diverged_data_stays_a_critical_split_brain(one: str, two: str) -> None:
    status, found = judge(one, two)
    assert found == {"drbd-split-brain": CRITICAL}
    assert status is HealthStatus.CRITICAL


def test_standalone_primary_with_the_peer_unreachable_is_a_warning() -> None:
    status, found = judge(proc("StandAlone", "Primary/Unknown", "UpToDate/DUnknown", oos=512), None)
    assert found["drbd-standalone"] == WARNING and "drbd-split-brain" not in found


def test_drbd9_split_brain_with_both_primary_from_drbdadm_status() -> None:
    text = "r0 role:Primary\n  disk:UpToDate\n  vnode2 connection:StandAlone\n\n"
    other = "r0 role:Primary\n  disk:UpToDate\n  vnode1 connection:StandAlone\n\n"
    reports = tuple(
        NodeReport(node=n, drbd=parse_drbdadm_status(t, n)) for n, t in (("vnode1", text), ("vnode2", other))
    )
    h = evaluate(ClusterView("t", reports, datetime(2026, 1, 1, tzinfo=UTC)))
    assert [p.code for p in h.problems if p.severity == CRITICAL] == ["drbd-split-brain"]
