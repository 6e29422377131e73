"""The seed demo plays Pacemaker 1.0.9 (crm_mon text, crm_resource, cibadmin, ptest, the crm shell).

Where the real 1.0.9 build is on this machine (``$HATUI_SEED_PREFIX`` or /var/tmp/hatui-seed/prefix,
built by the seed-lab script), the demo is checked against it: its crm_mon screen is what the
real ``crm_mon -x`` prints on the demo's own CIB, its help texts are the binaries' own, and its
``crm_resource -M`` writes what the real one writes on a copy of that CIB.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from demo_support import constraints, crm_status, domains, make_cluster, out, running_on

from hatui.demo import DemoCluster

HA_VMS = ("sentinel", "mail", "www", "dns", "ldap")
REMOVED_IN_1_0 = ("--ban", "--clear", "--restart", "--why", "--wait", "--output-as=xml", "--force-stop")


def seed_sbin() -> Path:
    """The real 1.0.9 tools, or a skip saying where they were looked for."""
    prefix = Path(os.environ.get("HATUI_SEED_PREFIX", "/var/tmp/hatui-seed/prefix"))
    if not (prefix / "sbin" / "crm_mon").exists():
        pytest.skip(f"the Pacemaker 1.0.9 build is not at {prefix} (seed-lab build.sh makes it)")
    return prefix / "sbin"


def real(argv: list[str], cib: Path | None = None) -> subprocess.CompletedProcess[str]:
    # crm_standby and crm_failcount are scripts that run the crm_attribute beside them.
    path = f"{Path(argv[0]).parent}:{os.environ.get('PATH', '')}"
    env = dict(os.environ, TZ="UTC", LC_ALL="C", PATH=path)
    if cib is not None:
        env["CIB_file"] = str(cib)
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)


def _scenario(name: str) -> DemoCluster:
    c = make_cluster()
    if name == "standby":
        out(c, "vnode1", "crm_standby", "-N", "vnode2", "-v", "on")
    elif name == "failed-then-recovered":
        c.inject("fail-monitor", "www")
        c.advance(12)
    elif name == "moved-with-force":
        c.execute("vnode1", ("crm_resource", "-M", "-r", "dns", "-N", "vnode2", "-f"))
    elif name == "node-lost":
        c.inject("kill-node", "vnode3")
    elif name == "quorum-lost":
        c.inject("kill-node", "vnode3")
        c.inject("kill-node", "vnode2")
    c.advance(30)
    return c


def _without_clock(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.startswith("Last updated:")]


@pytest.mark.parametrize(
    "scenario",
    ["initial", "standby", "failed-then-recovered", "moved-with-force", "node-lost", "quorum-lost"],
)
def test_the_real_crm_mon_on_the_demo_cib_prints_the_demo_screen(scenario: str, tmp_path: Path) -> None:
    """Every layout: the plain screen, inactive and fail-counts, grouped by node, operations, timing."""
    sbin = seed_sbin()
    c = _scenario(scenario)
    cib = tmp_path / "cib.xml"
    cib.write_text(out(c, "vnode1", "cibadmin", "-Q"))
    for flags in (["-1"], ["-1", "-r", "-f"], ["-1", "-n", "-r"], ["-1", "-o", "-f"], ["-1", "-t"]):
        result = real([str(sbin / "crm_mon"), *flags, "-x", str(cib)])
        assert result.returncode == 0, result.stderr
        assert _without_clock(out(c, "vnode1", "crm_mon", *flags)) == _without_clock(result.stdout)


def test_the_screen_says_openais_1_0_9_and_no_uuids() -> None:
    text = out(make_cluster(), "vnode2", "crm_mon", "-1", "-r", "-f")
    assert text.splitlines()[2:5] == [
        "Stack: openais",
        "Current DC: vnode1 - partition with quorum",
        "Version: 1.0.9-74392a28b7f31d7ddc86689598bd23114f58978b",
    ]
    status = crm_status(make_cluster())
    assert status.stack == "openais" and status.dc == "vnode1" and status.quorum is True
    for vm in HA_VMS:
        assert running_on(status, vm) == {"vnode1"}


@pytest.mark.parametrize("tool", ["crm_mon", "crm_resource", "cibadmin", "crm_attribute", "ptest"])
def test_help_texts_are_the_real_binaries_own(tool: str) -> None:
    sbin = seed_sbin()
    mine = make_cluster().execute("vnode1", (tool, "--help"))
    assert (mine.status, mine.stdout) == (0, real([str(sbin / tool), "--help"]).stdout)


@pytest.mark.parametrize(
    "tool", ["crm_mon", "crm_resource", "cibadmin", "crm_attribute", "ptest", "crm_node"]
)
def test_version_is_the_reference_build(tool: str) -> None:
    text = out(make_cluster(), "vnode1", tool, "--version")
    assert (
        text == f"{tool} 1.0.9 for OpenAIS and Heartbeat (Build: 74392a28b7f31d7ddc86689598bd23114f58978b)\n"
        "\nWritten by Andrew Beekhof\n"
    )


@pytest.mark.parametrize("option", REMOVED_IN_1_0)
def test_options_1_0_9_lacks_are_refused_as_1_0_9_refuses_them(option: str) -> None:
    c = make_cluster()
    res = c.execute("vnode1", ("crm_resource", option, "-r", "dns", "-N", "vnode2"))
    name = option.split("=", 1)[0]
    assert res.status == 1 and res.stdout == ""
    assert res.stderr.startswith(f"crm_resource: unrecognized option '{name}'\ncrm_resource - Perform tasks")
    help_all = c.execute("vnode1", ("crm_mon", "--help-all"))
    assert help_all.status == 1 and "--as-xml" not in help_all.stderr and "--output-as" not in help_all.stderr


def test_move_without_force_does_not_move_under_infinite_stickiness() -> None:
    c = make_cluster()
    assert c.execute("vnode1", ("crm_resource", "-M", "-r", "dns", "-N", "vnode2")).status == 0
    c.advance(30)
    assert running_on(crm_status(c), "dns") == {"vnode1"}
    assert [k.id for k in constraints(c) if k.id.startswith("cli-")] == ["cli-prefer-dns"]
    res = c.execute("vnode1", ("crm_resource", "-M", "-r", "dns", "-N", "vnode2", "-f"))
    assert res.status == 0 and "Creating rsc_location constraint 'cli-standby-dns'" in res.stderr
    c.advance(30)
    assert running_on(crm_status(c), "dns") == {"vnode2"} and "dns" in domains(c, "vnode2")
    assert sorted(k.id for k in constraints(c) if k.id.startswith("cli-")) == [
        "cli-prefer-dns",
        "cli-standby-dns",
    ]
    again = c.execute("vnode1", ("crm_resource", "-M", "-r", "dns", "-N", "vnode2"))
    assert (again.status, again.stderr) == (
        0,
        "Error performing operation: dns is already active on vnode2\n",
    )
    assert c.execute("vnode1", ("crm_resource", "-U", "-r", "dns")).stdout == ""
    c.advance(30)
    assert not [k for k in constraints(c) if k.id.startswith("cli-")]
    assert running_on(crm_status(c), "dns") == {"vnode2"}, "no fail-back: stickiness INFINITY"


#: Commands run in turn on the demo and by the real 1.0.9 tools on a copy of the demo's CIB.
SEQUENCE = (
    ("crm_resource", "-W", "-r", "www"),
    ("crm_resource", "-M", "-r", "www"),
    ("crm_resource", "-a", "-r", "www"),
    ("crm_resource", "-M", "-r", "www", "-N", "vnode2"),
    ("crm_resource", "-M", "-r", "www", "-N", "vnode2", "-f"),
    ("crm_resource", "-M", "-r", "www", "-N", "vnode1"),
    ("crm_resource", "-U", "-r", "www"),
    ("crm_resource", "-U", "-r", "www"),
    ("crm_resource", "-M", "-r", "www", "-u", "bogus"),
    ("crm_resource", "-W", "-r", "nosuch"),
    ("crm_resource", "-r", "www", "--meta", "-p", "target-role", "-v", "Stopped"),
    ("crm_resource", "-r", "www", "--meta", "-g", "target-role"),
    ("crm_resource", "-r", "www", "--meta", "-d", "target-role"),
    ("crm_resource", "-r", "www", "--meta", "-g", "target-role"),
    ("crm_attribute", "-t", "nodes", "-N", "vnode3", "-n", "standby", "-v", "on"),
    ("crm_attribute", "-t", "nodes", "-N", "vnode3", "-n", "standby", "-G"),
    ("crm_attribute", "-t", "nodes", "-N", "vnode3", "-n", "standby", "-D"),
    ("crm_attribute", "-t", "crm_config", "-n", "maintenance-mode", "-v", "true"),
    ("crm_attribute", "-t", "crm_config", "-n", "maintenance-mode", "-G"),
    ("crm_attribute", "-n", "maintenance-mode", "-D"),
    (
        "cibadmin",
        "-C",
        "-o",
        "constraints",
        "-X",
        '<rsc_location id="b" rsc="www" node="vnode2" score="-INFINITY"/>',
    ),
    ("cibadmin", "-D", "-o", "constraints", "-X", '<rsc_location id="b"/>'),
    ("cibadmin", "-D", "-o", "constraints", "-X", '<rsc_location id="b"/>'),
    ("crm_standby", "-N", "vnode2", "-v", "on"),
    ("crm_standby", "-N", "vnode2", "-G"),
    ("crm_standby", "-N", "vnode2", "-D"),
    ("crm_failcount", "-G", "-r", "www", "-N", "vnode1"),
    ("crm_resource", "--ban", "-r", "www"),
)


def test_tools_answer_what_the_real_1_0_9_tools_answer(tmp_path: Path) -> None:
    sbin = seed_sbin()
    c = make_cluster()
    cib = tmp_path / "cib.xml"
    cib.write_text(out(c, "vnode1", "cibadmin", "-Q"))
    # crm_attribute maps this machine's own name first, which is no node of the demo's CIB.
    here = f"Could not map uname={os.uname().nodename} to a UUID: The object/attribute does not exist\n"
    for argv in SEQUENCE:
        theirs = real([str(sbin / argv[0]), *argv[1:]], cib)
        mine = c.execute("vnode1", argv)
        got = (mine.status, mine.stdout, mine.stderr)
        expected = theirs.stderr.replace(f"{sbin}/", "").replace(here, "")
        assert got == (theirs.returncode, theirs.stdout, expected), argv
        real_constraints = real([str(sbin / "cibadmin"), "-Q", "-o", "constraints"], cib).stdout
        assert out(c, "vnode1", "cibadmin", "-Q", "-o", "constraints") == real_constraints, argv


def test_a_ban_from_a_node_is_a_cibadmin_location_and_the_1_0_schema_holds() -> None:
    c = make_cluster()
    ban = '<rsc_location id="cli-ban-mail-on-vnode2" rsc="mail" node="vnode2" score="-INFINITY"/>'
    assert c.execute("vnode1", ("cibadmin", "-C", "-o", "constraints", "-X", ban)).status == 0
    twice = c.execute("vnode1", ("cibadmin", "-C", "-o", "constraints", "-X", ban))
    assert twice.status == 21 and twice.stderr == "Call failed: The object already exists\n"
    role = ban.replace("-on-vnode2", "-x").replace("/>", ' role="Started"/>')
    assert c.execute("vnode1", ("cibadmin", "-C", "-o", "constraints", "-X", role)).status == 47
    gone = '<rsc_location id="cli-ban-mail-on-vnode2"/>'
    assert c.execute("vnode1", ("cibadmin", "-D", "-o", "constraints", "-X", gone)).status == 0
    assert not [k for k in constraints(c) if k.id.startswith("cli-ban")]


def test_node_attributes_answer_like_1_0_9() -> None:
    c = make_cluster()
    assert out(c, "vnode1", "crm_attribute", "-t", "nodes", "-N", "vnode3", "-n", "standby", "-v", "on") == ""
    query = ("crm_attribute", "-t", "nodes", "-N", "vnode3", "-n", "standby", "-G")
    assert out(c, "vnode1", *query) == "scope=nodes  name=standby value=on\n"
    deleted = out(c, "vnode1", "crm_standby", "-N", "vnode3", "-D")
    assert deleted == "Deleted nodes attribute: id=nodes-vnode3-standby name=standby\n\n"
    missing = c.execute("vnode1", ("crm_attribute", "-t", "nodes", "-N", "vnode3", "-n", "standby", "-D"))
    assert (missing.status, missing.stderr) == (244, "Error performing operation: cib object missing\n")
    assert out(c, "vnode1", "crm_attribute", "-t", "crm_config", "-n", "maintenance-mode", "-v", "true") == ""
    c.advance(5)
    assert " sentinel\t(ocf::heartbeat:Xen):\tStarted vnode1 (unmanaged)" in out(c, "vnode1", "crm_mon", "-1")


def test_fail_count_delete_and_cleanup() -> None:
    c = make_cluster()
    c.inject("fail-monitor", "ldap")
    c.advance(15)
    shown = out(c, "vnode1", "crm_failcount", "-G", "-r", "ldap", "-N", "vnode1")
    assert shown == "scope=status  name=fail-count-ldap value=1\n"
    out(c, "vnode1", "crm_failcount", "-D", "-r", "ldap", "-N", "vnode1")
    assert "fail-count" not in out(c, "vnode1", "crm_mon", "-1", "-f")
    cleaned = out(c, "vnode1", "crm_resource", "-C", "-r", "ms_drbd_dns-root")
    assert cleaned.splitlines()[:2] == [
        "Cleaning up drbd_dns-root:0 on vnode1",
        "Cleaning up drbd_dns-root:1 on vnode1",
    ]


def test_the_crm_shell_speaks_the_1_0_9_grammar_only() -> None:
    c = make_cluster()
    assert c.execute("vnode1", ("crm", "node", "standby", "vnode3")).status == 0
    c.advance(30)
    assert crm_status(c).node("vnode3").standby  # type: ignore[union-attr]
    assert c.execute("vnode1", ("crm", "node", "online", "vnode3")).status == 0
    for words in (
        ("node", "maintenance", "vnode3"),
        ("resource", "ban", "dns"),
        ("resource", "clear", "dns"),
    ):
        res = c.execute("vnode1", ("crm", *words))
        assert (res.status, res.stderr) == (1, f"ERROR: syntax: {' '.join(words[1:])}\n")
    assert c.execute("vnode1", ("crm", "resource", "migrate", "dns", "vnode2")).status == 0
    assert [k.id for k in constraints(c) if k.id.startswith("cli-")] == ["cli-prefer-dns"]
    assert c.execute("vnode1", ("crm", "resource", "unmigrate", "dns")).status == 0
    location = ("crm", "configure", "location", "cli-ban-dns-on-vnode2", "dns", "-inf:", "vnode2")
    assert c.execute("vnode1", location).status == 0
    assert [(k.id, k.score) for k in constraints(c) if k.id.startswith("cli-")] == [
        ("cli-ban-dns-on-vnode2", "-INFINITY")
    ]


def test_ptest_previews_an_edited_cib_with_log_actions() -> None:
    c = make_cluster()
    c.advance(900)  # mail-root's resync is over
    edited = make_cluster()
    edited.advance(900)
    edited.execute("vnode1", ("crm_resource", "-M", "-r", "mail", "-N", "vnode2", "-f", "-Q"))
    cib = out(edited, "vnode1", "cibadmin", "-Q")
    res = c.execute("vnode1", ("ptest", "-X", "-s", "-VVV"), stdin=cib)
    assert res.status == 0 and res.stdout.startswith("Allocation scores:\nnative_color: sentinel")
    logged = [line.split(" notice: ", 1)[1] for line in res.stderr.splitlines()]
    assert "LogActions: Move resource mail\t(Started vnode1 -> vnode2)" in logged
    assert "LogActions: Leave resource dns\t(Started vnode1)" in logged
    assert "LogActions: Promote drbd_mail-root:1\t(Slave -> Master vnode2)" in logged
    assert running_on(crm_status(c), "mail") == {"vnode1"}, "a preview changes nothing"
    live = c.execute("vnode1", ("ptest", "-L", "-s"))
    assert "native_color: mail allocation score on vnode1: 1000000" in live.stdout


def test_crm_node_reads_the_partition_and_its_quorum() -> None:
    c = make_cluster()
    assert out(c, "vnode1", "crm_node", "-q") == "1\n"
    assert out(c, "vnode1", "crm_node", "-p") == "vnode1 vnode2 vnode3 \n"
    c.inject("kill-node", "vnode2")
    c.inject("kill-node", "vnode3")
    c.advance(10)
    assert out(c, "vnode1", "crm_node", "-q") == "0\n"
    assert out(c, "vnode1", "crm_node", "-l").splitlines()[1] == "33597632 vnode2 lost"
    assert c.execute("vnode1", ("crm_node", "-n")).status == 1, "1.0.9 has no -n"


def test_corosync_1_2_1_and_xen_3_2_tools() -> None:
    c = make_cluster()
    assert out(c, "vnode2", "corosync", "-v").startswith("Corosync Cluster Engine, version '1.2.1'")
    info = {
        k.strip(): v.strip()
        for k, v in (line.split(":", 1) for line in out(c, "vnode1", "xm", "info").splitlines())
    }
    used = 1024 + sum(d.memory_mib or 0 for d in domains(c, "vnode1").values())
    assert int(info["total_memory"]) - int(info["free_memory"]) == used
    assert (info["xen_major"], info["xen_minor"]) == ("3", "2")
    top = out(c, "vnode1", "xentop", "-b", "-i", "2", "-d", "1").splitlines()
    assert [n for n, line in enumerate(top) if line.strip().startswith("NAME")] == [0, 7]
    assert top[1].split()[:2] == ["Domain-0", "-----r"] and top[2].split()[3] == "0.0"
    assert float(top[9].split()[3]) > 0, "CPU(%) is measured from the second sample on"
    assert c.execute("vnode1", ("xl", "list")).status == 127
    assert out(c, "vnode1", "xm", "migrate", "--live", "dns", "vnode2") == ""
    assert "dns" in domains(c, "vnode2")


def test_modern_has_xl_and_corosync_3() -> None:
    c = make_cluster(generation="modern")
    assert out(c, "vnode1", "corosync", "-v").startswith("Corosync Cluster Engine, version '3.1.7'")
    assert "xen_version            : 4.17.4-pre" in out(c, "vnode1", "xl", "info")
    assert c.execute("vnode1", ("xm", "list")).status == 127
    assert c.execute("vnode1", ("ptest", "-L")).status == 127
    assert c.execute("vnode1", ("crm_resource", "--ban", "-r", "dns", "-N", "vnode1")).status == 0


async def _capacity(c: DemoCluster) -> tuple[object, dict[str, object]]:
    """The N+1 verdict and vnode2's host memory, read off the demo through hatui's own pipeline."""
    from hatui.model.capacity import capacity
    from hatui.snapshot import run
    from hatui.sources.fanout import collect_once
    from hatui.sources.make import demo_config

    cluster = demo_config().cluster()
    captures = await collect_once(cluster, transports={n.name: c.transport(n.name) for n in cluster.nodes})
    view = run.make_view("demo", captures, cluster=cluster)
    return capacity(view), {"memory": capacity(view).memory["vnode2"]}


async def test_the_settled_seed_is_n_plus_one_with_consistent_memory() -> None:
    c = make_cluster()
    # At the start vnode2's copy of mail-root is still resyncing: mail could not fail over yet.
    first, _ = await _capacity(c)
    assert first.n_plus_one is False  # type: ignore[attr-defined]
    assert [(s.node, s.vms) for s in first.stranded] == [("vnode1", ("mail",))]  # type: ignore[attr-defined]
    c.advance(900)
    settled, spare = await _capacity(c)
    assert settled.n_plus_one is True and settled.stranded == ()  # type: ignore[attr-defined]
    memory = spare["memory"]
    assert memory.total_mib - memory.free_mib == 1024, "the spare runs dom0 only"  # type: ignore[attr-defined]


def test_once_reports_pacemaker_1_0_9_over_openais(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from hatui.cli import main

    assert main(["--demo", "--once", "--format", "json"]) in (0, 1)
    doc = json.loads(capsys.readouterr().out)
    assert doc["cluster"]["stack"] == "openais"
    assert doc["cluster"]["pacemaker_version"].startswith("1.0.9")


def test_schedulers_find_nothing_to_do_on_the_settled_demo_cib(tmp_path: Path) -> None:
    """The op-digests are Pacemaker's own: no scheduler sees a changed definition to restart."""
    sbin = seed_sbin()
    c = make_cluster()
    c.advance(900)
    cib = tmp_path / "cib.xml"
    cib.write_text(out(c, "vnode1", "cibadmin", "-Q"))
    logged = real([str(sbin / "ptest"), "-x", str(cib), "-VVV"]).stderr
    actions = [line for line in logged.splitlines() if "LogActions:" in line]
    assert actions and all("LogActions: Leave resource" in line for line in actions)
    if shutil.which("crm_simulate"):
        assert "Resource action" not in real(["crm_simulate", "-x", str(cib), "-S"]).stdout


@pytest.mark.parametrize(
    "edit",
    [
        (),
        ("crm_resource", "-M", "-r", "mail", "-N", "vnode2", "-f", "-Q"),
        ("crm_resource", "-M", "-r", "dns", "-Q"),
        ("crm_resource", "-r", "www", "--meta", "-p", "target-role", "-v", "Stopped"),
        ("crm_attribute", "-t", "nodes", "-N", "vnode1", "-n", "standby", "-v", "on"),
        ("crm_attribute", "-t", "nodes", "-N", "vnode3", "-n", "standby", "-v", "on"),
        ("crm_attribute", "-t", "crm_config", "-n", "maintenance-mode", "-v", "true"),
    ],
)
def test_the_demo_ptest_logs_what_the_real_ptest_logs(edit: tuple[str, ...], tmp_path: Path) -> None:
    """The preview on a 1.0 node: the demo's ptest -X on an edited CIB against the real ptest -x."""
    sbin = seed_sbin()
    c = make_cluster()
    c.advance(900)
    cib = tmp_path / "cib.xml"
    cib.write_text(out(c, "vnode1", "cibadmin", "-Q"))
    if edit:
        assert real([str(sbin / edit[0]), *edit[1:]], cib).returncode == 0
    theirs = real([str(sbin / "ptest"), "-x", str(cib), "-VVV"]).stderr
    mine = c.execute("vnode1", ("ptest", "-X", "-VVV"), stdin=cib.read_text()).stderr

    def logged(text: str) -> list[str]:
        return sorted(line.split("notice: ", 1)[1] for line in text.splitlines() if "LogActions:" in line)

    assert logged(mine) == logged(theirs)


@pytest.mark.parametrize("scene", ["initial", "banned", "standby", "node-lost"])
def test_the_demo_ptest_scores_of_the_vms_are_the_real_ones(scene: str, tmp_path: Path) -> None:
    sbin = seed_sbin()
    c = make_cluster()
    c.advance(900)
    if scene == "banned":
        c.execute("vnode1", ("crm_resource", "-M", "-r", "dns", "-Q"))
    elif scene == "standby":
        c.execute("vnode1", ("crm_standby", "-N", "vnode2", "-v", "on"))
    elif scene == "node-lost":
        c.inject("kill-node", "vnode3")
    c.advance(60)
    cib = tmp_path / "cib.xml"
    cib.write_text(out(c, "vnode1", "cibadmin", "-Q"))
    vms = {vm.name for vm in c.topo.vms}
    theirs = real([str(sbin / "ptest"), "-x", str(cib), "-s"]).stdout.splitlines()
    mine = out(c, "vnode1", "ptest", "-L", "-s").splitlines()
    assert [line for line in theirs if line.startswith("native_color:") and line.split()[1] in vms] == mine[
        1:
    ]
