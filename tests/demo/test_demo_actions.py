"""Actions an admin runs on the demo behave as on the real cluster, stickiness rules included."""

from __future__ import annotations

import pytest
from demo_support import constraints, crm_status, domains, drbd, make_cluster, out, running_on

INFO = "\x1b[32mINFO\x1b[0m"


@pytest.mark.parametrize(
    "argv",
    [
        ("crm_resource", "--move", "-r", "sentinel", "-N", "vnode2"),
        ("crm", "resource", "move", "sentinel", "vnode2"),
        ("crm", "resource", "migrate", "sentinel", "vnode2"),
    ],
)
def test_prefer_move_does_not_move_a_vm_under_infinite_stickiness(argv: tuple[str, ...]) -> None:
    c = make_cluster()
    assert c.execute("vnode3", argv).status == 0
    c.advance(60)
    # cli-prefer gives vnode2 INFINITY, stickiness gives vnode1 INFINITY: a tie keeps it in place.
    assert running_on(crm_status(c), "sentinel") == {"vnode1"}
    assert "sentinel" in domains(c, "vnode1")
    prefers = [k for k in constraints(c) if k.leftover_kind == "prefer"]
    assert [(k.id, k.node, k.score) for k in prefers] == [("cli-prefer-sentinel", "vnode2", "INFINITY")]


def test_crmsh_move_and_clear_print_what_crmsh_4_4_prints() -> None:
    c = make_cluster(generation="modern")
    res = c.execute("vnode3", ("crm", "resource", "migrate", "www", "vnode2"))
    assert res.stdout.splitlines() == [
        "\x1b[33mWARNING\x1b[0m: This command 'migrate' is deprecated, please use 'move'",
        f'{INFO}: "migrate" is accepted as "move"',
        f"{INFO}: Move constraint created for www to vnode2",
        f"{INFO}: Use `crm resource clear www` to remove this constraint",
    ]
    res = c.execute("vnode3", ("crm", "resource", "clear", "www"))
    assert res.stdout == f"{INFO}: Removed migration constraints for www\n"
    assert not [k for k in constraints(c) if k.leftover_kind]


def test_move_to_where_it_runs_fails_like_crm_resource() -> None:
    c = make_cluster(generation="modern")
    res = c.execute("vnode3", ("crm_resource", "--move", "-r", "sentinel", "-N", "vnode1"))
    assert (res.status, res.stderr) == (
        108,
        "crm_resource: Error performing operation: Requested item already exists\n",
    )
    res = c.execute("vnode3", ("crm_resource", "--ban", "-r", "nosuch", "-N", "vnode1"))
    assert res.status == 105 and res.stderr.startswith("crm_resource: Resource 'nosuch' not found")


def test_ban_with_a_lifetime_expires() -> None:
    c = make_cluster(generation="modern")
    res = c.execute("vnode3", ("crm_resource", "--ban", "-r", "dns", "-N", "vnode1", "--lifetime", "PT2M"))
    assert res.stdout == "Migration will take effect until: 2026-11-25 17:48:03Z\n"
    c.advance(10)
    assert running_on(crm_status(c), "dns") == {"vnode2"}
    [ban] = [k for k in constraints(c) if k.leftover_kind]
    assert ban.lifetime == "2026-11-25 17:48:03Z"
    c.advance(120)
    assert crm_status(c).bans == (), "an expired ban no longer counts"
    assert running_on(crm_status(c), "dns") == {"vnode2"}, "and stickiness keeps the VM where it is"


def test_maintenance_mode_unmanages_everything_and_nothing_moves() -> None:
    c = make_cluster(generation="modern")
    out(c, "vnode1", "crm_attribute", "-n", "maintenance-mode", "-v", "true")
    out(c, "vnode1", "crm_standby", "-N", "vnode1", "-v", "on")
    c.advance(30)
    status = crm_status(c)
    assert status.maintenance_mode is True
    assert all(r.managed is False for r in status.resources)
    assert running_on(status, "sentinel") == {"vnode1"}
    assert out(c, "vnode1", "crm_attribute", "-n", "maintenance-mode", "-G") == (
        "scope=crm_config  name=maintenance-mode value=true\n"
    )
    out(c, "vnode1", "crm", "maintenance", "off")
    c.advance(15)
    assert running_on(crm_status(c), "sentinel") == {"vnode2"}


def test_a_node_in_maintenance_keeps_its_vms_unmanaged() -> None:
    c = make_cluster(generation="modern")
    assert out(c, "vnode2", "crm", "node", "maintenance", "vnode1") == ""
    out(c, "vnode2", "crm_resource", "--ban", "-r", "sentinel", "-N", "vnode1")
    c.advance(20)
    status = crm_status(c)
    node1 = status.node("vnode1")
    assert node1 is not None and node1.maintenance is True
    [sentinel] = status.instances("sentinel")
    assert sentinel.nodes == ("vnode1",) and sentinel.managed is False
    [elearning] = status.instances("elearning")
    assert elearning.managed is True
    out(c, "vnode2", "crm", "node", "ready", "vnode1")
    c.advance(10)
    assert running_on(crm_status(c), "sentinel") == {"vnode2"}


def test_node_attribute_commands_answer_like_crm_attribute() -> None:
    c = make_cluster(generation="modern")
    assert out(c, "vnode1", "crm_standby", "-G") == "scope=status  name=standby value=off\n"
    assert out(c, "vnode1", "crm_attribute", "-N", "vnode3", "-n", "standby", "-v", "on") == ""
    assert out(c, "vnode1", "crm_standby", "-N", "vnode3", "-G") == "scope=nodes  name=standby value=on\n"
    assert out(c, "vnode1", "crm_standby", "-N", "vnode3", "-D") == (
        "Deleted nodes attribute: id=nodes-3-standby name=standby\n"
    )
    res = c.execute("vnode1", ("crm_attribute", "-N", "vnode9", "-n", "standby", "-v", "on"))
    assert (res.status, res.stderr) == (105, "crm_attribute: Could not map name=vnode9 to a UUID\n")
    assert out(c, "vnode2", "crm", "node", "online", "vnode3") == f"{INFO}: online node vnode3\n"


def test_target_role_stop_and_start() -> None:
    c = make_cluster(generation="modern")
    out(c, "vnode2", "crm", "resource", "stop", "vconf")
    c.advance(5)
    [vconf] = crm_status(c).instances("vconf")
    assert (vconf.role.value, vconf.target_role) == ("Stopped", "Stopped")
    assert "vconf" not in domains(c, "vnode3")
    out(c, "vnode2", "crm", "resource", "start", "vconf")
    c.advance(5)
    assert "vconf" in domains(c, "vnode3")


def test_drbdadm_refusals_use_8_3_syntax_and_messages() -> None:
    c = make_cluster()
    res = c.execute("vnode2", ("drbdadm", "primary", "sentinel-root"))
    assert res.status == 11
    assert res.stderr.splitlines() == [
        "/dev/drbd1: State change failed: (-1) Multiple primaries not allowed by config",
        "Command 'drbdsetup /dev/drbd1 primary' terminated with exit code 11",
    ]
    res = c.execute("vnode1", ("drbdadm", "secondary", "sentinel-root"))
    assert res.status == 11 and "(-12) Device is held open by someone" in res.stderr
    res = c.execute("vnode2", ("drbdadm", "connect", "--discard-my-data", "sentinel-root"))
    assert res.status == 20 and "unrecognized option '--discard-my-data'" in res.stderr
    res = c.execute("vnode2", ("drbdadm", "connect", "nosuch"))
    assert (res.status, res.stderr) == (3, "'nosuch' not defined in your config.\n")
    assert c.execute("vnode3", ("drbdadm", "dump", "all")).status == 127


def test_drbdadm_disconnect_connect_invalidate_and_verify() -> None:
    c = make_cluster()
    out(c, "vnode2", "drbdadm", "disconnect", "dns-root")
    assert drbd(c, "vnode2")["dns-root"].peers[0].connection.value == "StandAlone"
    assert drbd(c, "vnode1")["dns-root"].peers[0].connection.value == "WFConnection"
    c.advance(60)
    out(c, "vnode2", "drbdadm", "connect", "dns-root")
    # The Primary wrote while alone: it resyncs what changed to its peer.
    assert drbd(c, "vnode1")["dns-root"].peers[0].connection.value == "SyncSource"
    c.advance(10)
    assert drbd(c, "vnode2")["dns-root"].peers[0].connection.value == "Connected"
    out(c, "vnode2", "drbdadm", "invalidate", "dns-swap")
    assert drbd(c, "vnode2")["dns-swap"].disk.value == "Inconsistent"
    out(c, "vnode1", "drbdadm", "verify", "ldap-swap")
    assert drbd(c, "vnode1")["ldap-swap"].peers[0].connection.value == "VerifyS"
    assert drbd(c, "vnode2")["ldap-swap"].peers[0].connection.value == "VerifyT"
    assert out(c, "vnode1", "drbdadm", "cstate", "ldap-swap") == "VerifyS\n"
    c.advance(120)
    assert out(c, "vnode1", "drbdadm", "role", "ldap-swap") == "Primary/Secondary\n"
    assert out(c, "vnode1", "drbdadm", "dstate", "dns-swap") == "UpToDate/UpToDate\n"


def test_xm_actions_behind_pacemakers_back() -> None:
    c = make_cluster()
    res = c.execute("vnode1", ("xm", "create", "/etc/xen/ha/sentinel.cfg"))
    assert res.status == 1 and "already exists" in res.stderr
    res = c.execute("vnode2", ("xm", "create", "/etc/xen/ha/dns.cfg"))
    assert res.status == 1 and "block-drbd failed" in res.stderr
    out(c, "vnode1", "xm", "shutdown", "ldap")
    assert "ldap" in domains(c, "vnode1"), "a clean shutdown takes a few seconds"
    c.advance(4)
    assert "ldap" not in domains(c, "vnode1")
    c.advance(15)
    # Pacemaker's monitor noticed and restarted it; 1.0 files the next monitor under the failed
    # one's key, so only the fail-count is left behind.
    assert "ldap" in domains(c, "vnode1")
    assert [(h.resource, h.fail_count) for h in crm_status(c).history if h.fail_count] == [("ldap", 1)]
    res = c.execute("vnode1", ("xm", "list", "nosuch"))
    assert (res.status, res.stderr) == (1, "Error: Domain 'nosuch' does not exist.\n")


def test_cibadmin_delete_removes_a_leftover_constraint() -> None:
    c = make_cluster(generation="modern")
    out(c, "vnode1", "crm_resource", "--ban", "-r", "www", "-N", "vnode2")
    out(c, "vnode1", "cibadmin", "--delete", "--xml-text", '<rsc_location id="cli-ban-www-on-vnode2"/>')
    assert not [k for k in constraints(c) if k.leftover_kind]
