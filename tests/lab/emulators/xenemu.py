"""Provides the emulated ``xm`` and ``xl``: domains kept as JSON files in the node's private /run.

A domain lives in ``/run/xen-emu/domains/NAME.json``, so it dies with its node as a real guest
dies with its host. ``create`` reads a Xen config file (``name``, ``memory``, ``vcpus``,
``disk = ['drbd:RES,xvda,w']``) and, like Xen's block-drbd script, refuses to start a guest whose
DRBD disk is not Primary on this node. ``list`` prints the real fixed-width tables (xm: spaces,
xl: tabs in the header), ``list --long`` a small S-expression (the Xen agent greps ``(status 2)``
from it when it drives xm), ``console`` attaches to a pseudo-terminal, ``migrate`` ships the
domain over the lab's sshd with ``xl migrate-receive`` as real xl does.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import xenconsole
from drbdemu import open_resource
from emucommon import Context, EmuError, locked, read_json, write_json

SHUTDOWN_S = 1.0
DOM0_MEM = 1023
TOTAL_MEM = 16378


class Xen:
    def __init__(self, ctx: Context, tool: str) -> None:
        self.ctx = ctx
        self.tool = tool
        self.dir = ctx.run_dir / "xen-emu"
        self.domains = self.dir / "domains"
        self.domains.mkdir(parents=True, exist_ok=True)

    # -- domain store ---------------------------------------------------------------------------

    def all(self) -> list[dict[str, Any]]:
        """Live domains by id; a shutdown that has completed removes the domain here."""
        now = time.time()
        doms = []
        for path in self.domains.glob("*.json"):
            dom = read_json(path, None)
            if dom is None:
                continue
            if dom.get("shutdown_at") and now >= dom["shutdown_at"]:
                path.unlink(missing_ok=True)
                continue
            doms.append(dom)
        return sorted(doms, key=lambda d: int(d["domid"]))

    def find(self, name: str) -> dict[str, Any] | None:
        for dom in self.all():
            if dom["name"] == name or str(dom["domid"]) == name:
                return dom
        return None

    def need(self, name: str) -> dict[str, Any]:
        dom = self.find(name)
        if dom is None:
            if self.tool == "xm":
                raise EmuError(f"Error: Domain '{name}' does not exist.", 1)
            raise EmuError(f"{name} is an invalid domain identifier (rc=-6)", 1)
        return dom

    def save(self, dom: dict[str, Any]) -> None:
        write_json(self.domains / f"{dom['name']}.json", dom)

    def remove(self, dom: dict[str, Any]) -> None:
        (self.domains / f"{dom['name']}.json").unlink(missing_ok=True)

    def next_domid(self) -> int:
        path = self.dir / "next-domid"
        with locked(self.dir / "domid.lock"):
            n = int(read_json(path, 1))
            write_json(path, n + 1)
        return n

    # -- output -----------------------------------------------------------------------------------

    def rows(self) -> list[tuple[str, int, int, int, str, float]]:
        now = time.time()
        started = float(read_json(self.ctx.run_dir / "hatui-lab" / "node.json", {}).get("started", now))
        rows = [("Domain-0", 0, DOM0_MEM, 2, "r-----", round((now - started) * 0.35 + 12.0, 1))]
        for d in self.all():
            flags = "---s--" if d.get("shutdown_at") else "--p---" if d.get("paused") else "-b----"
            cpu = round((now - d["created"]) * 0.02 + 0.4, 1)
            rows.append((d["name"], int(d["domid"]), int(d["memory"]), int(d["vcpus"]), flags, cpu))
        return rows

    def list_table(self, names: list[str]) -> str:
        rows = self.rows()
        if names:
            for n in names:
                self.need(n)
            rows = [r for r in rows if r[0] in names or str(r[1]) in names]
        # The printf formats of xm (Python) and xl (C), verbatim, so every quirk of the columns is kept.
        if self.tool == "xm":
            out = ["%-40s %5s %5s %5s %10s %9s" % ("Name", "ID", "Mem", "VCPUs", "State", "Time(s)")]  # noqa: UP031
            out += ["%-40s %5d %5d %5d %10s %8.1f" % r for r in rows]  # noqa: UP031
        else:
            out = ["Name                                        ID   Mem VCPUs\tState\tTime(s)"]
            out += ["%-40s %5d %5d %5d     %s  %8.1f" % r for r in rows]  # noqa: UP031
        return "\n".join(out) + "\n"

    def list_long(self, names: list[str]) -> str:
        out = []
        for name, domid, mem, vcpus, flags, cpu in self.rows():
            if names and name not in names:
                continue
            status = 2 if "s" not in flags else 1
            out += [
                "(domain", f"    (domid {domid})", f"    (name {name})", f"    (memory {mem})",
                f"    (vcpus {vcpus})", f"    (online_vcpus {vcpus})", f"    (cpu_time {cpu})",
                f"    (status {status})", f"    (state {flags})", ")",
            ]  # fmt: skip
        if names and not out:
            self.need(names[0])
        return "\n".join(out) + "\n"

    def info(self) -> str:
        used = DOM0_MEM + sum(int(d["memory"]) for d in self.all())
        # The seed lab's layout says "xen_version": "3.2.1" (the reference cluster's Xen).
        major, minor, micro = str(self.ctx.layout.get("xen_version", "4.1.4")).split(".")
        extra = f".{micro}"
        uname = os.uname()
        pairs = [
            ("host", uname.nodename), ("release", uname.release), ("version", uname.version),
            ("machine", uname.machine), ("nr_cpus", "2"), ("nr_nodes", "1"), ("cores_per_socket", "2"),
            ("threads_per_core", "1"), ("total_memory", str(TOTAL_MEM)),
            ("free_memory", str(TOTAL_MEM - used)), ("xen_major", major), ("xen_minor", minor),
            ("xen_extra", extra), ("xen_caps", "xen-3.0-x86_64 xen-3.0-x86_32p"),
            ("xen_scheduler", "credit"), ("xend_config_format", "4"),
        ]  # fmt: skip
        return "".join(f"{k:<23}: {v}\n" for k, v in pairs)

    # -- life cycle -----------------------------------------------------------------------------

    def create(self, cfg_path: str, overrides: list[str], dom: dict[str, Any] | None = None) -> str:
        if dom is None:
            cfg = parse_cfg(Path(cfg_path))
            for item in overrides:
                key, _, value = item.partition("=")
                cfg[key.strip()] = value.strip().strip("\"'")
            name = str(cfg.get("name") or "")
            if not name:
                raise EmuError(
                    "Error: name is required" if self.tool == "xm" else "Domain name must be specified."
                )
            dom = {
                "name": name, "memory": int(cfg.get("memory", 512)), "vcpus": int(cfg.get("vcpus", 1)),
                "cfg": cfg_path, "drbd": drbd_disks(cfg.get("disk", [])),
            }  # fmt: skip
        old = self.find(dom["name"])
        if old is not None:
            if self.tool == "xm":
                raise EmuError(f"Error: Domain '{dom['name']}' already exists with ID '{old['domid']}'")
            raise EmuError(f"libxl: error: libxl_create.c:521:domain {dom['name']} already exists", 3)
        for res in dom["drbd"]:
            role = open_resource(self.ctx, res).roles()[0] if self._has_res(res) else "Unconfigured"
            if role != "Primary":
                if self.tool == "xm":
                    raise EmuError(
                        "Error: Device 51712 (vbd) could not be connected. Hotplug scripts not working."
                    )
                raise EmuError(
                    "libxl: error: libxl_device.c:1263:device_hotplug_child_death_cb: script: "
                    f"/etc/xen/scripts/block-drbd add: drbd resource {res} is {role} here\n"
                    "libxl: error: libxl_create.c:1255:domcreate_launch_dm: unable to add disk devices",
                    3,
                )
        dom.update(domid=self.next_domid(), created=time.time(), shutdown_at=None, paused=False)
        self.save(dom)
        if self.tool == "xm":
            return f'Using config file "{dom["cfg"]}".\nStarted domain {dom["name"]} (id={dom["domid"]})\n'
        return f"Parsing config from {dom['cfg']}\n"

    def _has_res(self, res: str) -> bool:
        conf = self.ctx.layout["drbd"].get(res)
        return conf is not None and self.ctx.node in conf["nodes"]

    def shutdown(self, name: str, wait: bool) -> str:
        dom = self.need(name)
        if not dom.get("shutdown_at"):
            dom["shutdown_at"] = time.time() + SHUTDOWN_S
            self.save(dom)
        while wait and self.find(dom["name"]) is not None:
            time.sleep(0.1)
        return ""

    def destroy(self, name: str) -> str:
        self.remove(self.need(name))
        return ""

    def pause(self, name: str, paused: bool) -> str:
        dom = self.need(name)
        dom["paused"] = paused
        self.save(dom)
        return ""

    def migrate(self, name: str, host: str) -> str:
        dom = self.need(name)
        node = host if host in self.ctx.layout["nodes"] else self._node_by_address(host)
        info = self.ctx.layout["nodes"][node]
        keys = self.ctx.layout["keys"]
        argv = [
            "ssh", "-F", "/dev/null", "-i", keys["identity"],
            "-o", f"UserKnownHostsFile={keys['known_hosts']}", "-o", "StrictHostKeyChecking=yes",
            "-o", "BatchMode=yes", "-p", str(info["ssh_port"]),
            f"root@{info['address']}", self.tool, "migrate-receive",
        ]  # fmt: skip
        payload = {k: dom[k] for k in ("name", "memory", "vcpus", "cfg", "drbd")}
        proc = subprocess.run(argv, input=json.dumps(payload), capture_output=True, text=True, timeout=60)
        if proc.returncode != 0:
            raise EmuError(f"migration target: {proc.stderr.strip() or 'failed'}\nmigration failed", 1)
        self.remove(dom)
        return ""

    def _node_by_address(self, host: str) -> str:
        for node, info in self.ctx.layout["nodes"].items():
            if info["address"] == host:
                return str(node)
        raise EmuError(f"{host}: unknown migration target", 1)

    def migrate_receive(self) -> str:
        dom = json.loads(sys.stdin.read())
        self.create(dom["cfg"], [], dom=dom)
        return ""


def parse_cfg(path: Path) -> dict[str, Any]:
    """Reads a Xen config file (Python-like ``key = value`` lines)."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise EmuError(f"Failed to read config file {path}: {exc.strerror}", 1) from exc
    cfg: dict[str, Any] = {}
    for line in re.sub(r"\[[^\]]*\]", lambda m: m.group(0).replace("\n", " "), text).splitlines():
        line = line.split("#", 1)[0].strip()
        if "=" not in line:
            continue
        key, _, value = line.partition("=")
        try:
            cfg[key.strip()] = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            cfg[key.strip()] = value.strip()
    return cfg


def drbd_disks(disks: Any) -> list[str]:
    """The DRBD resources among ``disk = ['drbd:RES,xvda,w', ...]``."""
    out = []
    for spec in disks if isinstance(disks, list) else []:
        target = str(spec).split(",", 1)[0]
        if target.startswith("drbd:"):
            out.append(target[len("drbd:") :])
    return out


def main(ctx: Context, tool: str, argv: list[str]) -> int:
    ctx.hang_if_asked(tool)
    xen = Xen(ctx, tool)
    if not argv:
        raise EmuError(f"Usage: {tool} <subcommand> [args]", 1)
    cmd, args = argv[0], argv[1:]
    flags = [a for a in args if a.startswith("-")]
    words = [a for a in args if not a.startswith("-")]
    if cmd == "list":
        long_form = "-l" in flags or "--long" in flags
        sys.stdout.write(xen.list_long(words) if long_form else xen.list_table(words))
    elif cmd == "info":
        sys.stdout.write(xen.info())
    elif cmd == "create" and words:
        sys.stdout.write(xen.create(words[0], words[1:]))
    elif cmd == "shutdown" and words:
        xen.shutdown(words[0], "-w" in flags)
    elif cmd == "trigger" and len(words) >= 2 and words[1] == "power":
        xen.shutdown(words[0], False)
    elif cmd == "destroy" and words:
        xen.destroy(words[0])
    elif cmd in ("pause", "unpause") and words:
        xen.pause(words[0], cmd == "pause")
    elif cmd == "migrate" and len(words) >= 2:
        xen.migrate(words[0], words[1])
    elif cmd == "migrate-receive":
        xen.migrate_receive()
    elif cmd == "console" and words:
        dom = xen.need(words[0])
        return xenconsole.attach(dom["name"], lambda: xen.find(dom["name"]) is not None)
    elif cmd == "mem-set" and len(words) >= 2:
        xen.need(words[0])
    else:
        raise EmuError(f"{tool}: unknown or incomplete command: {' '.join(argv)}", 1)
    return 0
