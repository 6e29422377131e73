"""Provides the lab's storage: real LVM metadata on a loop device per node, and its tear-down.

Per node: a sparse file ``<node>/pv0.img`` on a loop device, one PV on it, the volume group
``vg0`` and one LV per DRBD backing disk the node holds (``Layout.node_lvs``), made with this
machine's real LVM tools. The kernel here has no device-mapper: ``lvcreate --driverloaded n -an``
writes the metadata and activates nothing, so the nodes' real ``pvs``/``vgs``/``lvs`` read real
volume groups (state ``X``: LVM cannot ask the kernel). Snapshots need device-mapper: the
``lvmemu.py`` stand-in keeps them (``emulators/lvmemu.py``).

Each node sees only its own loop device: ``<node>/etc-lvm/lvm.conf`` (bound over the node's
``/etc/lvm``; the host-side commands here pass it as ``LVM_SYSTEM_DIR``) accepts that one device and
nothing else, reads no udev database, keeps no hints and no devices file.

Tear-down (``teardown``, called by ``cleanup.teardown_state`` after the nodes are dead, and so by
``down --all`` for crashed runs too) finds the loop devices by their backing file under the lab's
state directory, so it needs nothing but the kernel's loop table: ``vgremove``, ``pvremove``,
``losetup -d``; the files go with the state directory.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from .layout import Layout

IMAGE = "pv0.img"
CONF_DIR = "etc-lvm"
#: The lab runs the host's LVM binary (``lvs`` and friends are links to it).
LVM = "/usr/sbin/lvm" if Path("/usr/sbin/lvm").exists() else "/sbin/lvm"


class StorageError(RuntimeError):
    """A node's storage could not be made (no loop device, LVM missing, a command failed)."""


def lvm_conf(device: str | None) -> str:
    """The node's lvm.conf: only ``device`` is scanned (None: nothing is), no udev, hints or devices file."""
    accept = f'"a|^{device}$|", ' if device else ""
    return (
        "# hatui lab: this node sees its own loop device only.\n"
        "devices {\n"
        f'    filter = [ {accept}"r|.*|" ]\n'
        f'    global_filter = [ {accept}"r|.*|" ]\n'
        "    use_devicesfile = 0\n"
        '    hints = "none"\n'
        "    obtain_device_list_from_udev = 0\n"
        '    external_device_info_source = "none"\n'
        "}\n"
        "activation {\n    udev_sync = 0\n    udev_rules = 0\n    monitoring = 0\n}\n"
        "global {\n    use_lvmpolld = 0\n    event_activation = 0\n}\n"
    )


def _env(conf_dir: Path) -> dict[str, str]:
    return {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C", "LC_ALL": "C",
            "LVM_SYSTEM_DIR": str(conf_dir), "LVM_SUPPRESS_FD_WARNINGS": "1"}  # fmt: skip


def lvm(conf_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Runs ``lvm ARGS`` on the host with a node's configuration."""
    proc = subprocess.run([LVM, *args], capture_output=True, text=True, env=_env(conf_dir), timeout=60,
                          stdin=subprocess.DEVNULL, check=False)  # fmt: skip
    if check and proc.returncode != 0:
        raise StorageError(f"lvm {' '.join(args)} exited {proc.returncode}: {proc.stderr.strip()}")
    return proc


def write_node_conf(layout: Layout, node: str, device: str | None = None) -> Path:
    """Writes the node's ``etc-lvm`` (and its empty ``srv``, the backup target); returns the conf dir."""
    conf_dir = layout.node_dir(node) / CONF_DIR
    conf_dir.mkdir(parents=True, exist_ok=True)
    (conf_dir / "lvm.conf").write_text(lvm_conf(device))
    (layout.node_dir(node) / "srv").mkdir(exist_ok=True)
    return conf_dir


def create_node(layout: Layout, node: str, record: dict[str, str]) -> None:
    """Loop device, PV, ``vg0`` and the node's LVs. ``record[node]`` gets the device as soon as it
    exists (the caller persists it, so that a crash half-way is still torn down)."""
    conf_dir = write_node_conf(layout, node)
    image = layout.node_dir(node) / IMAGE
    with open(image, "wb") as f:
        f.truncate(layout.pv_mib * 1024 * 1024)
    proc = subprocess.run(["losetup", "--find", "--show", str(image)], capture_output=True, text=True,
                          timeout=30, check=False)  # fmt: skip
    if proc.returncode != 0:
        raise StorageError(f"losetup --find --show {image}: {proc.stderr.strip()}")
    device = proc.stdout.strip()
    record[node] = device
    write_node_conf(layout, node, device)
    lvm(conf_dir, "pvcreate", "--yes", device)
    lvm(conf_dir, "vgcreate", layout.volume_group, device)
    for lv in layout.node_lvs(node):
        lvm(conf_dir, "lvcreate", "--driverloaded", "n", "-an", "-Zn", "-L", f"{layout.lv_mib}M", "-n", lv,
            layout.volume_group)  # fmt: skip


def lab_loops(state: Path) -> dict[str, Path]:
    """Loop devices whose backing file lies in ``state`` (deleted files included): device -> file."""
    proc = subprocess.run(["losetup", "--list", "--json", "--output", "NAME,BACK-FILE"], capture_output=True,
                          text=True, timeout=30, check=False)  # fmt: skip
    if proc.returncode != 0 or not proc.stdout.strip():
        return {}
    found = {}
    for dev in json.loads(proc.stdout).get("loopdevices", []):
        back = (dev.get("back-file") or "").removesuffix(" (deleted)")
        if back.startswith(f"{state}/"):
            found[dev["name"]] = Path(back)
    return found


def teardown(state: Path, timeout: float = 10.0) -> None:
    """Removes the volume group and PV of every loop device of the lab, detaches it and waits up to
    ``timeout`` for the kernel to let it go (``cleanup.leftovers`` reports one that stays)."""
    for device, image in lab_loops(state).items():
        conf_dir = image.parent / CONF_DIR
        if (conf_dir / "lvm.conf").exists():
            # Best effort: the file goes anyway; what must not stay is the loop device.
            vgs = lvm(conf_dir, "pvs", "--noheadings", "-o", "vg_name", device, check=False).stdout.split()
            for vg in vgs:
                lvm(conf_dir, "vgremove", "--force", vg, check=False)
            lvm(conf_dir, "pvremove", "--force", "--yes", device, check=False)
        subprocess.run(["losetup", "--detach", device], capture_output=True, timeout=30, check=False)
    deadline = time.monotonic() + timeout
    while lab_loops(state) and time.monotonic() < deadline:
        time.sleep(0.1)  # a device still open when detached goes when it is closed (autoclear)


def stray_loops(root: Path, prefix: str) -> dict[str, Path]:
    """Loop devices on files of labs under ``root`` whose state directory is gone (for ``down --all``)."""
    stray = {}
    for dev, image in lab_loops(root).items():
        lab = image.relative_to(root).parts[0]
        if lab.startswith(prefix) and not (root / lab / "lab.json").exists():
            stray[dev] = image
    return stray


def detach(devices: dict[str, Path]) -> None:
    for device in devices:
        subprocess.run(["losetup", "--detach", device], capture_output=True, timeout=30, check=False)


def available() -> str | None:
    """Why the lab cannot have LVM storage here (one line), or None if it can."""
    if not Path(LVM).exists():
        return "lvm2 is not installed (apt-get install lvm2)"
    if not os.path.exists("/dev/loop-control"):
        return "no loop devices (/dev/loop-control is missing)"
    return None
