"""Provides a small reading of Pacemaker 1.0.9's ``crm_mon -1 -r`` text for the seed harness.

1.0.9 has no XML output; this reads the few lines the harness waits on (Online/OFFLINE, the DC,
quorum, where each resource runs and in which role) into the modern harness's ``ClusterState``,
with 1.0's roles Master/Slave named as 2.x names them (Promoted/Unpromoted) so the same waits
serve both labs. Deliberately independent of hatui's parsers: the lab must be able to judge hatui.
"""

from __future__ import annotations

import re

from ..status import ClusterState

_DC = re.compile(r"^Current DC: (\S+)(?: \([^)]*\))? - partition (with|WITHOUT) quorum", re.MULTILINE)
_NODES = re.compile(r"^(Online|OFFLINE): \[ (.*) \]$", re.MULTILINE)
_STANDBY = re.compile(r"^Node (\S+) \([^)]*\): (standby|online|OFFLINE)", re.MULTILINE)
_PRIMITIVE = re.compile(r"^\s+(\S+)\s+\(\S+\):\s+(Started|Stopped)(?: (\S+))?( FAILED)?", re.MULTILINE)
_SET = re.compile(r"^\s+(Masters|Slaves|Started): \[ (.*) \]$")
_MS = re.compile(r"^\s*(?:Master/Slave|Clone) Set: (\S+)")
_FAILED_OP = re.compile(r"^\s+(\S+?)(?::\d+)?_\w+_\d+ \(node=", re.MULTILINE)
ROLES = {"Masters": "Promoted", "Slaves": "Unpromoted", "Started": "Started"}


def parse_crm_mon_10(text: str, primitives: dict[str, str] | None = None) -> ClusterState:
    """``primitives`` maps a master/slave set to its primitive (``ms_drbd_vm1`` -> ``drbd_vm1``)."""
    online: dict[str, bool] = {}
    for kind, names in _NODES.findall(text):
        online.update(dict.fromkeys(names.split(), kind == "Online"))
    for name, state in _STANDBY.findall(text):
        online[name] = state != "OFFLINE"
    dc_match = _DC.search(text)
    placements: dict[str, list[tuple[str, str]]] = {}
    failed: set[str] = set()
    current_set: str | None = None
    for line in text.splitlines():
        if m := _MS.match(line):
            current_set = (primitives or {}).get(m.group(1), m.group(1))
            placements.setdefault(current_set, [])
        elif current_set and (m := _SET.match(line)):
            placements[current_set] += [(n, ROLES[m.group(1)]) for n in m.group(2).split()]
        elif m := _PRIMITIVE.match(line):
            current_set = None
            rid, state, node, bad = m.groups()
            placements.setdefault(rid, [])
            if state == "Started" and node:
                placements[rid].append((node, "Started"))
            if bad:
                failed.add(rid)
        elif line.strip().startswith("Failed actions"):
            current_set = None
    failed.update(m.group(1) for m in _FAILED_OP.finditer(text.split("Failed actions:", 1)[-1])
                  if "Failed actions:" in text)  # fmt: skip
    return ClusterState(
        online=online,
        dc=dc_match.group(1) if dc_match else None,
        quorum=bool(dc_match and dc_match.group(2) == "with"),
        placements={k: tuple(v) for k, v in placements.items()},
        failed=tuple(sorted(failed)),
    )
