"""Provides the lab's shape and the files it is made of: corosync.conf, the seeded CIB, sshd_config,
/etc/hosts, the Xen guest configs, the emulators' layout.json and the hatui config.

The shape follows the reference cluster: an N+1 layout where VMs run on vnode1 and vnode3 and
vnode2 is the spare that holds the other half of every DRBD pair; an asymmetric cluster with
location preferences, stickiness INFINITY, no fencing; each VM (the real ``ocf:heartbeat:Xen``)
colocated with and ordered after the promoted instance of its DRBD clone.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .cib import seeded_cib

CLUSTER_NAME = "halab"
#: What the emulators answer to: ``Xen`` finds ``xl`` first (``which xl || which xm``).
XEN_TOOLS = ("xl", "xm")
#: Node-side PATH: the emulators' bind mount first, as root's default PATH has it.
NODE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#: Where the lab's backup command writes, inside a node (``/srv`` is the node's own: ``<node>/srv``).
BACKUP_DIR = "/srv/backup"
#: The site command of the lab's ``backup:`` section: it reads the snapshot through the node's
#: ``lvs`` (so the file proves the snapshot existed while the job ran), names the device and node,
#: takes 2 s, and only then gives the file its final name.
BACKUP_COMMAND = (
    f'mkdir -p {BACKUP_DIR} && out={BACKUP_DIR}/"$HATUI_VM-$HATUI_STAMP".txt'
    ' && lvs --noheadings -o lv_name,origin,lv_attr "$HATUI_SNAPSHOT" > "$out.part"'
    ' && echo "device $HATUI_DEVICE node $HATUI_NODE" >> "$out.part" && sleep 2 && mv "$out.part" "$out"'
)


@dataclass(frozen=True)
class VmSpec:
    """One Xen guest with its DRBD-backed root disk, the way the reference cluster pairs them."""

    name: str
    home: str
    """The node the location preference puts it on (score 100)."""
    spare: str
    """The fallback node (score 50) that holds the other half of its DRBD pair."""
    minor: int
    memory_mib: int = 512
    vcpus: int = 1

    @property
    def drbd(self) -> str:
        """The DRBD resource of its root disk (``vm1-root``)."""
        return f"{self.name}-root"

    @property
    def drbd_primitive(self) -> str:
        """The Pacemaker primitive standing in for that DRBD resource (``drbd_vm1``)."""
        return f"drbd_{self.name}"

    @property
    def drbd_clone(self) -> str:
        """Its promotable clone (``ms_drbd_vm1``)."""
        return f"ms_drbd_{self.name}"


def default_vms(nodes: tuple[str, ...]) -> tuple[VmSpec, ...]:
    """N+1: one VM on every node but the second, which is everybody's spare."""
    if len(nodes) < 2:
        return ()
    spare = nodes[1]
    homes = [n for n in nodes if n != spare]
    return tuple(VmSpec(f"vm{i}", home, spare, minor=i) for i, home in enumerate(homes, start=1))


@dataclass(frozen=True)
class Layout:
    """Everything static about one lab, decided before any node starts."""

    state: Path
    nodes: tuple[str, ...]
    addresses: dict[str, str]
    ssh_ports: dict[str, int]
    vms: tuple[VmSpec, ...]
    cluster_name: str = CLUSTER_NAME
    command_timeout: float = 5.0
    """hatui's per-poll command timeout in the lab's config (the drills' limits are built on it).
    Half hatui's default, so that a hung node shows quickly; a lab poll takes 0.1-0.4 s, and under
    CPU load beside the drills (3 busy loops and 4 loops starting Pythons) at most 1.6 s."""
    drbd_size_kb: int = 262144
    sync_rate_kb: int = 20480
    al_resync_kb: int = 61440
    switchover_resync_kb: int = 61440
    volume_group: str = "vg0"
    """Each node's LVM volume group: one LV per DRBD backing disk (``tests.lab.storage``)."""
    pv_mib: int = 1024
    """The size of the sparse file under each node's one PV."""
    iscsi_target: str = "iqn.2010-06.lab.hatui:vstor1.data"
    """The target every node is logged in to (the reference's vstor1), through the iscsiadm stand-in."""
    iscsi_portal: str = "127.0.0.10:3260,1"
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(
        cls, state: Path, count: int, address_base: str, ssh_ports: dict[str, int] | None = None
    ) -> Layout:
        base = ipaddress.IPv4Address(address_base)
        nodes = tuple(f"vnode{i}" for i in range(1, count + 1))
        addresses = {n: str(base + i) for i, n in enumerate(nodes)}
        ports = ssh_ports or dict.fromkeys(nodes, 22)
        return cls(state, nodes, addresses, ports, default_vms(nodes))

    # -- paths ----------------------------------------------------------------------------------

    def node_dir(self, node: str) -> Path:
        return self.state / node

    @property
    def bin_dir(self) -> Path:
        return self.state / "bin"

    @property
    def identity_file(self) -> Path:
        return self.state / "keys" / "id_ed25519"

    @property
    def known_hosts(self) -> Path:
        return self.state / "keys" / "known_hosts"

    @property
    def config_path(self) -> Path:
        return self.state / "hatui.yaml"

    def xen_cfg(self, vm: VmSpec) -> Path:
        return self.state / "xen" / f"{vm.name}.cfg"

    # -- storage ----------------------------------------------------------------------------------

    @property
    def lv_mib(self) -> int:
        """A backing LV's size: the DRBD device plus room for DRBD's internal metadata."""
        return self.drbd_size_kb // 1024 + 4

    def backing_disk(self, vm: VmSpec) -> str:
        """The LV under ``vm``'s DRBD resource on both of its nodes, as drbd.conf names it."""
        return f"/dev/{self.volume_group}/{vm.drbd}"

    def node_lvs(self, node: str) -> tuple[str, ...]:
        """The LVs ``node``'s volume group holds: the backing disk of each DRBD resource it has."""
        return tuple(vm.drbd for vm in self.vms if node in (vm.home, vm.spare))

    # -- generated files --------------------------------------------------------------------------

    def corosync_conf(self, node: str) -> str:
        # Every 127.0.0.x is local to every node: corosync takes the first nodelist entry whose
        # address is local, so each node lists itself first.
        order = [node] + [n for n in self.nodes if n != node]
        entries = "".join(
            f"    node {{\n        name: {n}\n        nodeid: {self.nodes.index(n) + 1}\n"
            f"        ring0_addr: {self.addresses[n]}\n    }}\n"
            for n in order
        )
        two_node = "    two_node: 1\n" if len(self.nodes) == 2 else ""
        return (
            f"totem {{\n    version: 2\n    cluster_name: {self.cluster_name}\n    transport: knet\n"
            "    crypto_cipher: none\n    crypto_hash: none\n    token: 1000\n}\n"
            "logging {\n    to_stderr: no\n    to_syslog: no\n    to_logfile: yes\n"
            "    logfile: /var/log/corosync/corosync.log\n    timestamp: on\n}\n"
            f"quorum {{\n    provider: corosync_votequorum\n{two_node}}}\n"
            f"nodelist {{\n{entries}}}\n"
        )

    def hosts(self) -> str:
        return "127.0.0.1 localhost\n" + "".join(f"{self.addresses[n]} {n}\n" for n in self.nodes)

    def sshd_config(self, node: str) -> str:
        return (
            f"ListenAddress {self.addresses[node]}:{self.ssh_ports[node]}\n"
            "HostKey /etc/ssh/ssh_host_ed25519_key\nPidFile /run/sshd.pid\n"
            "PermitRootLogin prohibit-password\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nPubkeyAuthentication yes\n"
            "AuthorizedKeysFile /etc/ssh/authorized_keys\nStrictModes no\nUsePAM no\nUseDNS no\n"
            "PrintMotd no\nPrintLastLog no\nMaxSessions 64\nMaxStartups 64:30:128\n"
            f"SetEnv PATH={NODE_PATH}\nSubsystem sftp /usr/lib/openssh/sftp-server\n"
            "AcceptEnv LANG LC_*\n"
        )

    def known_hosts_line(self, node: str, host_key: str) -> str:
        addr, port = self.addresses[node], self.ssh_ports[node]
        names = f"{node},{addr}" if port == 22 else f"[{node}]:{port},[{addr}]:{port}"
        return f"{names} {host_key.strip()}\n"

    def xen_cfg_text(self, vm: VmSpec) -> str:
        return (
            "kernel = '/boot/vmlinuz-2.6.26-2-xen-amd64'\n"
            "ramdisk = '/boot/initrd.img-2.6.26-2-xen-amd64'\n"
            f"memory = '{vm.memory_mib}'\nvcpus = {vm.vcpus}\nroot = '/dev/xvda2 ro'\n"
            f"disk = [\n    'drbd:{vm.drbd},xvda2,w',\n]\n"
            f"name = '{vm.name}'\nvif = [ 'mac=00:16:3E:61:01:{vm.minor:02X}' ]\n"
            "on_poweroff = 'destroy'\non_shutdown = 'destroy'\non_reboot = 'destroy'\n"
            "on_crash = 'destroy'\nextra = 'clocksource=jiffies'\n"
        )

    def emulator_layout(self) -> dict[str, Any]:
        """What the emulators read from ``<state>/layout.json``."""
        return {
            "nodes": {n: {"address": self.addresses[n], "ssh_port": self.ssh_ports[n]} for n in self.nodes},
            "drbd": {
                vm.drbd: {
                    "minor": vm.minor,
                    "nodes": [vm.home, vm.spare],
                    "size_kb": self.drbd_size_kb,
                    "port": 7788 + vm.minor,
                    "disk": self.backing_disk(vm),
                }  # fmt: skip
                for vm in self.vms
            },
            "vms": {vm.name: {"home": vm.home, "spare": vm.spare, "drbd": vm.drbd} for vm in self.vms},
            "sync_rate_kb": self.sync_rate_kb,
            "al_resync_kb": self.al_resync_kb,
            "switchover_resync_kb": self.switchover_resync_kb,
            "lvm": {"vg": self.volume_group},
            "iscsi": {"target": self.iscsi_target, "portal": self.iscsi_portal},
            "keys": {"identity": str(self.identity_file), "known_hosts": str(self.known_hosts)},
        }

    def hatui_config(self) -> str:
        nodes = [
            {
                "name": n,
                "host": self.addresses[n],
                "port": self.ssh_ports[n],
                "user": "root",
                "identity_file": str(self.identity_file),
            }  # fmt: skip
            for n in self.nodes
        ]
        cluster = {
            "display_name": f"hatui lab ({self.cluster_name})",
            "nodes": nodes,
            "known_hosts": str(self.known_hosts),
            "connect_timeout": 3,
            "command_timeout": self.command_timeout,
            "keepalive_interval": 1,
            "vm_disks": {vm.name: [vm.drbd] for vm in self.vms},
            "backup": {"command": BACKUP_COMMAND, "time_limit": 60, "check_interval": 1},
        }
        return yaml.safe_dump({"clusters": {"lab": cluster}}, sort_keys=False)

    def cib_xml(self) -> str:
        return seeded_cib(self)
