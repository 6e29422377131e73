"""The demo's transports answer the detection probes and the polled sources like real nodes."""

from __future__ import annotations

import pytest
from demo_support import make_cluster

from hatui.demo import DemoTransport
from hatui.errors import TransportError
from hatui.sources.commands import DETECT_COMMANDS, commands_for
from hatui.sources.detect import probe_commands, stack_from_probes
from hatui.sources.table import BY_NAME
from hatui.transport.base import Transport

#: What detection must find on vnode1 (DRBD) and vnode3 (none) of each generation.
STACKS = {
    "seed": {
        "crm_mon": "text",
        "pacemaker_version": "1.0.9",
        "drbd": ("8", "absent"),
        "drbd_version": ("8.3.7", None),
        "vm_tool": "xm",
        "corosync_version": "1.2.1",
    },
    "modern": {
        "crm_mon": "output-as-xml",
        "pacemaker_version": "2.1.5",
        "drbd": ("9-json", "absent"),
        "drbd_version": ("9.2.8", None),
        "vm_tool": "xl",
        "corosync_version": "3.1.7",
    },
}


@pytest.mark.parametrize("generation", ["seed", "modern"])
@pytest.mark.parametrize("node", ["vnode1", "vnode2", "vnode3"])
async def test_detection_finds_the_generation_s_stack(node: str, generation: str) -> None:
    c = make_cluster(generation=generation)
    transport = c.transport(node)
    assert isinstance(transport, Transport)
    stack = stack_from_probes(await transport.run_batch(probe_commands(), timeout=5))
    want = STACKS[generation]
    has_drbd = 0 if node != "vnode3" else 1
    assert stack.crm_mon == want["crm_mon"]
    assert stack.pacemaker_version == want["pacemaker_version"]
    assert stack.drbd == want["drbd"][has_drbd]  # type: ignore[index]
    assert stack.drbd_version == want["drbd_version"][has_drbd]  # type: ignore[index]
    assert stack.vm_tool == want["vm_tool"]
    assert stack.corosync_tools is True and stack.crm_shell == "crmsh"
    assert getattr(stack, "corosync_version", want["corosync_version"]) == want["corosync_version"]


async def test_probe_answers_look_like_a_node_without_drbd_on_vnode3() -> None:
    c = make_cluster()
    probes = await c.transport("vnode3").run_batch(DETECT_COMMANDS, timeout=5)
    head = probes["proc_drbd_head"]
    assert (head.exit_status, head.stdout) == (1, "")
    assert head.stderr == "head: cannot open '/proc/drbd' for reading: No such file or directory\n"
    assert probes["drbdadm_version"].exit_status == 127
    found = probes["which"].stdout.split()
    assert {"xm", "corosync-cfgtool", "crm", "xentop"} <= set(found)
    assert not {"xl", "corosync-quorumtool", "pcs", "virsh"} & set(found)
    on_drbd_node = await c.transport("vnode1").run_batch(DETECT_COMMANDS, timeout=5)
    assert on_drbd_node["drbdsetup_json"].exit_status == 20, "8.3's drbdsetup has no status command"
    assert on_drbd_node["proc_drbd_head"].stdout.startswith("version: 8.3.7 (api:88/proto:86-91)\nGIT-hash: ")


@pytest.mark.parametrize("generation", ["seed", "modern"])
@pytest.mark.parametrize("node", ["vnode1", "vnode2", "vnode3"])
async def test_every_polled_source_parses(node: str, generation: str) -> None:
    c = make_cluster(generation=generation)
    c.inject("split-brain", "dns-root")
    c.inject("fail-monitor", "vconf")
    c.advance(5)
    transport = c.transport(node, latency_s=0.001)
    stack = stack_from_probes(await transport.run_batch(probe_commands(), timeout=5))
    results = await transport.run_batch(commands_for(stack), timeout=5)
    crm_mon = "crm_mon.txt" if generation == "seed" else "crm_mon.xml"
    assert {crm_mon, "constraints.xml", "corosync_cfgtool"} <= set(results)
    assert ("proc_drbd" in results) == (generation == "seed" and node != "vnode3")
    for name, result in results.items():
        assert result.ok, (name, result.stderr)
        assert BY_NAME[name].parse(result.stdout, name)  # the project's parsers read every output
        assert result.argv == commands_for(stack)[name]


async def test_unknown_commands_sudo_and_closing() -> None:
    c = make_cluster(generation="modern")
    transport = c.transport("vnode2")
    missing = await transport.run(["virsh", "list", "--all"], timeout=5)
    assert (missing.exit_status, missing.stdout) == (127, "")
    assert "command not found" in missing.stderr
    wrapped = await transport.run(["sudo", "-n", "crm_mon", "--version"], timeout=5)
    assert wrapped.ok and wrapped.stdout.startswith("Pacemaker 2.1.5\n")
    hostname = await transport.run(["sh", "-c", "uname -n"], timeout=5)
    assert hostname.stdout == "vnode2\n"
    refused = await transport.run(["sh", "-c", "cat /proc/drbd | head"], timeout=5)
    assert refused.exit_status == 2
    with pytest.raises(TransportError):
        await transport.run("crm_mon --version", timeout=5)
    await transport.close()
    await transport.close()
    with pytest.raises(TransportError, match="closed"):
        await transport.run(["true"], timeout=5)


async def test_connection_generation_grows_after_the_node_comes_back() -> None:
    c = make_cluster()
    transport: DemoTransport = c.transport("vnode3")
    await transport.run(["true"], timeout=5)
    assert transport.connection_generation == 1
    c.inject("kill-node", "vnode3")
    with pytest.raises(TransportError):
        await transport.run(["true"], timeout=5)
    c.inject("heal", "vnode3")
    c.advance(10)
    await transport.run(["true"], timeout=5)
    assert transport.connection_generation == 2


def test_unknown_node_is_refused() -> None:
    c = make_cluster()
    assert c.node_names == ("vnode1", "vnode2", "vnode3")
    with pytest.raises(Exception, match="vnode4"):
        c.transport("vnode4")
