"""Benchmark 2: parse and model cost as the cluster grows.

crm_mon XML of N nodes x M resource instances made by real Pacemaker (``bench.cibgen``), with every
node's DRBD, domain and corosync outputs beside it (``bench.synth``). A snapshot is what ``hatui
--once`` computes after collecting: every node's capture parsed (``build_report``, so N crm_mon
XML parses), the ``ClusterView``, ``evaluate`` and ``vm_rows``. It is compared with the
``crm_mon`` run that produced the XML. /proc/drbd (1..256 minors) and ``xm list`` (up to 200
domains) are timed on their own too.
"""

from __future__ import annotations

import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from bench import synth
from bench.cibgen import CRM_MON_ARGS, Generated, Shape, crm_mon_xml, node_names
from bench.common import Result, Target, ms, stats
from bench.timing import profile_cumulative, profile_top, repeat
from hatui.clock import SystemClock
from hatui.model.health import evaluate
from hatui.model.view import ClusterView
from hatui.model.vms import vm_rows
from hatui.parsers.crm_mon_xml import parse_crm_mon_xml
from hatui.parsers.domain_list import parse_xen_list
from hatui.parsers.drbd_dump import parse_drbdadm_dump
from hatui.parsers.proc_drbd import parse_proc_drbd
from hatui.sources.parse import build_report

FULL = {
    "nodes": [3, 32, 64],
    "resources": [10, 300, 1000],
    "minors": [1, 16, 64, 128, 256],
    "domains": [1, 20, 50, 100, 200],
    "crm_mon_runs": 5,
    "snapshot_runs": 3,
}
QUICK = {
    "nodes": [3],
    "resources": [10],
    "minors": [1, 16],
    "domains": [1, 20],
    "crm_mon_runs": 2,
    "snapshot_runs": 2,
}
TARGET_SIZE = (32, 1000)
TARGET_MS = 50.0


def _time_crm_mon(gen: Generated, runs: int) -> list[float]:
    env = {**os.environ, "CIB_file": str(gen.cib_path)}
    times = []
    for _ in range(runs + 1):
        t0 = time.perf_counter()
        subprocess.run(list(CRM_MON_ARGS), env=env, capture_output=True, check=True, timeout=300)
        times.append(time.perf_counter() - t0)
    return times[1:]  # the first run warms the page cache


WHAT_IF = {
    "the crm_mon XML were parsed once": ("crm_mon.xml",),
    "the crm_mon XML and the constraints were parsed once": ("crm_mon.xml", "constraints.xml"),
}


def _first_only(captures: list[Any], sources: tuple[str, ...]) -> list[Any]:
    """The captures with ``sources`` kept on the first node only."""
    return [
        c if i == 0 else replace(c, outputs={k: v for k, v in c.outputs.items() if k not in sources})
        for i, c in enumerate(captures)
    ]


def _snapshot(captures: list[Any]) -> dict[str, float]:
    """One ``--once`` snapshot after collection (as ``make_view`` + ``evaluate`` + ``vm_rows``), by stage."""
    t0 = time.perf_counter()
    reports = tuple(build_report(c) for c in captures)
    t1 = time.perf_counter()
    view = ClusterView(name="bench", reports=reports, generated_at=SystemClock().now())
    evaluate(view)
    t2 = time.perf_counter()
    vm_rows(view)
    t3 = time.perf_counter()
    return {"total": t3 - t0, "parse": t1 - t0, "view_evaluate": t2 - t1, "vm_rows": t3 - t2}


def _snapshots(captures: list[Any], min_runs: int) -> dict[str, list[float]]:
    _snapshot(captures)  # warm-up
    runs: dict[str, list[float]] = {"total": [], "parse": [], "view_evaluate": [], "vm_rows": []}
    spent = 0.0
    while len(runs["total"]) < min_runs or (spent < 0.5 and len(runs["total"]) < 50):
        for k, v in _snapshot(captures).items():
            runs[k].append(v)
        spent += runs["total"][-1]
    return runs


def run(params: dict[str, Any]) -> Result:
    sizes = [(n, r) for n in params["nodes"] for r in params["resources"]]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, min(len(sizes), os.cpu_count() or 1))) as pool:
        generated = dict(zip(sizes, pool.map(lambda s: crm_mon_xml(*s), sizes), strict=True))
    gen_s = time.perf_counter() - t0
    result = Result("scale", "2. Parse and model cost as the cluster grows", params)
    result.headers = [
        "nodes x resources",
        "XML size",
        "crm_mon run",
        "hatui parse 1 XML",
        "parse/crm_mon",
        "snapshot (all nodes)",
        "parse N nodes",
        "view+evaluate",
        "vm_rows",
    ]
    raw: dict[str, Any] = {"generation_s": round(gen_s, 2), "sizes": []}
    verdict_parse: list[bool] = []
    for (n, r), gen in generated.items():
        shape = Shape.of(n, r)
        captures = synth.cluster_captures(n, r, gen.xml, synth.constraints_of(gen.cib_path.read_text()))
        crm = _time_crm_mon(gen, params["crm_mon_runs"])
        parse1 = repeat(lambda g=gen: parse_crm_mon_xml(g.xml), min_runs=5, min_time_s=0.3)
        snap = _snapshots(captures, params["snapshot_runs"])
        crm_med, p_med = stats(crm)["median"], stats(parse1)["median"]
        s_med = stats(snap["total"])["median"]
        verdict_parse.append(p_med <= crm_med)
        status = parse_crm_mon_xml(gen.xml)
        raw["sizes"].append(
            {
                "nodes": n,
                "resources": r,
                "instances_listed": len(status.resources),
                "shape": shape.__dict__,
                "xml_bytes": len(gen.xml),
                "crm_simulate_s": round(gen.simulate_s, 3),
                "crm_mon_s": crm,
                "parse_one_xml_s": parse1,
                "snapshot_s": snap["total"],
                "snapshot_stages_s": snap,
            }
        )
        result.rows.append(
            [
                f"{n} x {r}",
                f"{len(gen.xml) / 1024:.0f} KiB",
                ms(crm_med),
                ms(p_med),
                f"{p_med / crm_med:.2f}",
                ms(s_med),
                ms(stats(snap["parse"])["median"]),
                ms(stats(snap["view_evaluate"])["median"]),
                ms(stats(snap["vm_rows"])["median"]),
            ]
        )
    _small_formats(params, result, raw)
    target_entry = next((s for s in raw["sizes"] if (s["nodes"], s["resources"]) == TARGET_SIZE), None)
    if target_entry is not None:
        med = stats(target_entry["snapshot_s"])["median"]
        one = stats(target_entry["parse_one_xml_s"])["median"]
        n = target_entry["nodes"]
        result.targets.append(
            Target(
                "snapshot-32x1000",
                f"32 nodes x 1,000 resources parsed and evaluated < {TARGET_MS:.0f} ms",
                f"{ms(med)} for the whole snapshot ({n} crm_mon XML parses; one parse {ms(one)})",
                med * 1000 < TARGET_MS,
            )
        )
        captures = synth.cluster_captures(
            n,
            1000,
            generated[TARGET_SIZE].xml,
            synth.constraints_of(generated[TARGET_SIZE].cib_path.read_text()),
        )
        raw["profile_snapshot_32x1000_own"] = profile_top(lambda: _snapshot(captures))
        raw["profile_snapshot_32x1000_hatui"] = profile_cumulative(lambda: _snapshot(captures))
        # What parsing the cluster-wide outputs once per snapshot (they are the same on every node)
        # instead of once per node would give: first crm_mon XML alone, then with the constraints.
        what_if = {
            label: _snapshots(_first_only(captures, drop), params["snapshot_runs"])
            for label, drop in WHAT_IF.items()
        }
        raw["what_if_s"] = what_if
        rows = [
            [r["function"], str(r["calls"]), ms(r["cum_s"])]
            for r in raw["profile_snapshot_32x1000_hatui"][:8]
        ]
        rows += [
            [f"what if {label} (other {n - 1} nodes' copies skipped)", "", ms(stats(w["total"])["median"])]
            for label, w in what_if.items()
        ]
        result.extra_tables.append(
            (
                f"Where the {n} x 1,000 snapshot spends its time (cProfile, hatui functions, cumulative)",
                ["function", "calls", "cumulative / median"],
                rows,
            )
        )
    else:
        result.targets.append(
            Target("snapshot-32x1000", f"< {TARGET_MS:.0f} ms", "size not in this run", None)
        )
    worst = max(
        (stats(s["parse_one_xml_s"])["median"] / stats(s["crm_mon_s"])["median"] for s in raw["sizes"]),
        default=0,
    )
    result.targets.append(
        Target(
            "parse-vs-crm_mon",
            "hatui's parse of one crm_mon XML never costs more than the crm_mon run that made it",
            f"worst ratio parse/crm_mon = {worst:.2f}",
            all(verdict_parse) if verdict_parse else None,
        )
    )
    result.summary = {"generation_s": round(gen_s, 1)}
    result.raw = raw
    result.notes.append(
        "crm_mon XML produced by crm_simulate on generated CIBs (startup probes off, which crm_mon never "
        "lists anyway); crm_mon timed as CIB_file=running.xml crm_mon --output-as=xml --one-shot "
        "--inactive --include=all (hatui's own arguments), reading a file, so no CIB daemon round trip."
    )
    result.notes.append(
        "A snapshot parses every node's crm_mon XML (hatui compares them to detect partitions), so its "
        "cost grows with nodes x resources."
    )
    return result


def _small_formats(params: dict[str, Any], result: Result, raw: dict[str, Any]) -> None:
    rows: list[list[str]] = []
    raw["proc_drbd"], raw["xm_list"] = [], []
    peer = node_names(2)[1]
    for count in params["minors"]:
        minors = [synth.Minor(i, f"r{i}", i % 2 == 0, peer, i % 16 == 0) for i in range(1, count + 1)]
        text, dump = synth.proc_drbd(minors), synth.drbd_dump("node01", minors)
        t = repeat(lambda x=text: parse_proc_drbd(x), min_runs=20, min_time_s=0.1)
        d = repeat(lambda x=dump: parse_drbdadm_dump(x), min_runs=20, min_time_s=0.1)
        raw["proc_drbd"].append({"minors": count, "bytes": len(text), "parse_s": t, "dump_parse_s": d})
        rows.append(
            [
                f"/proc/drbd, {count} minors",
                f"{len(text) / 1024:.1f} KiB",
                ms(stats(t)["median"]),
                ms(stats(d)["median"]),
            ]
        )
    for count in params["domains"]:
        text = synth.xm_list([f"vm{i}" for i in range(1, count + 1)])
        t = repeat(lambda x=text: parse_xen_list(x, "xm"), min_runs=20, min_time_s=0.1)
        raw["xm_list"].append({"domains": count, "bytes": len(text), "parse_s": t})
        rows.append([f"xm list, {count} domains", f"{len(text) / 1024:.1f} KiB", ms(stats(t)["median"]), "-"])
    result.extra_tables.append(
        (
            "Per-node formats (one node's output, parse only)",
            ["output", "size", "parse (median)", "its drbdadm dump: parse"],
            rows,
        )
    )
