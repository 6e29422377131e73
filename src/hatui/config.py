"""Provides the typed configuration and ``load_config``, which refuses a bad file key by key.

The file may hold several clusters. Every error names the file, the dotted key and what is wrong,
and unknown keys are errors: a typo such as ``sudo_user`` must not be silently ignored. So are
duplicate keys (a second ``mode: operator`` would silently undo ``mode: read-only``), timeouts and
intervals that are not finite positive numbers, and a file that is not UTF-8 text.

The file says which hosts are trusted (node addresses, ``known_hosts`` files), so ``load_config``
also returns warnings when it, or a ``known_hosts`` file it names, is writable by group or others.
"""

from __future__ import annotations

import dataclasses
import os
import shlex
import stat
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hatui.config_backup import BackupConfig, read_backup
from hatui.config_reader import MAX_SECONDS as MAX_SECONDS
from hatui.config_reader import Reader
from hatui.errors import ConfigError

if TYPE_CHECKING:
    import yaml

    from hatui.alerts.rules import AlertRule


class Family(StrEnum):
    """A source's interval family: the key of ``intervals`` in the config file.

    Every source in ``hatui.sources.table`` names one; its value is the config key.
    """

    PACEMAKER = "pacemaker"
    DRBD = "drbd"
    DOMAINS = "domains"
    COROSYNC = "corosync"
    CONSTRAINTS = "constraints"
    STORAGE = "storage"


#: Default poll interval per source family, in seconds (Pacemaker status often, the rest less).
DEFAULT_INTERVALS: dict[Family, float] = {
    Family.PACEMAKER: 2.0,
    Family.DRBD: 2.0,
    Family.DOMAINS: 10.0,
    Family.COROSYNC: 10.0,
    Family.CONSTRAINTS: 30.0,
    Family.STORAGE: 30.0,
}
#: Default cap on what one poll of one node may print, in MiB (``max_output_mib``).
DEFAULT_MAX_OUTPUT_MIB = 32.0


@dataclass(frozen=True, slots=True)
class NodeConfig:
    """One node to watch."""

    name: str
    """The node's cluster name (as Pacemaker names it)."""
    host: str
    """Address or ssh_config alias to connect to; defaults to the name."""
    port: int = 22
    user: str | None = None
    """SSH user; None lets ~/.ssh/config or the local user decide."""
    identity_file: str | None = None
    sudo: bool = False
    """Prefix commands with ``sudo -n`` (for a non-root user with sudo rights)."""
    transport: str = "ssh"
    """``ssh``, or ``local`` when hatui runs on this node itself."""


@dataclass(frozen=True, slots=True)
class ClusterConfig:
    """One cluster: its nodes and how to poll them."""

    name: str
    nodes: tuple[NodeConfig, ...]
    display_name: str | None = None
    accent: str | None = None
    """An accent colour for the header (any Textual colour: ``#3366cc``, ``ansi_blue``)."""
    mode: str = "operator"
    """``operator`` or ``read-only`` (no action can start)."""
    known_hosts: str | None = None
    """Extra known_hosts file checked besides ~/.ssh/known_hosts."""
    connect_timeout: float = 5.0
    command_timeout: float = 10.0
    keepalive_interval: float = 2.0
    intervals: Mapping[Family, float] = field(default_factory=lambda: dict(DEFAULT_INTERVALS))
    shell: str = "auto"
    """Which shell builds Pacemaker actions: ``auto``, ``pacemaker`` (raw tools), ``crmsh`` or ``pcs``."""
    vm_disks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """VM name to the DRBD resources its disks use, when names do not tell (``vm-root``)."""
    max_output_mib: float = DEFAULT_MAX_OUTPUT_MIB
    """The most one poll of one node may print (stdout and stderr), in MiB; more is cut off and
    shown as an error, so that a runaway command cannot fill hatui's memory."""
    backup: BackupConfig = field(default_factory=BackupConfig)
    """Snapshot sizing and the site's backup command (``hatui.config_backup``)."""
    alerts: tuple[AlertRule, ...] = ()
    """Who is told of its problems, when and how (``hatui.alerts.rules``); none by default."""

    @property
    def max_output_bytes(self) -> int:
        """``max_output_mib`` in bytes, as the transports take it."""
        return max(1, round(self.max_output_mib * 1024 * 1024))


@dataclass(frozen=True, slots=True)
class Config:
    """The whole configuration; ``path`` is None when built in code (demo, tests)."""

    clusters: Mapping[str, ClusterConfig]
    default_cluster: str | None = None
    health_ignore: frozenset[str] = frozenset()
    theme: str = "hatui-dark"
    keymap: Mapping[str, str] = field(default_factory=dict)
    path: Path | None = None
    warnings: tuple[str, ...] = ()
    """Things in or about the file that work but are unsafe (group-writable file), one line each."""

    def cluster(self, name: str | None = None) -> ClusterConfig:
        """Returns the named cluster, the default one, or the only one."""
        where = str(self.path) if self.path else "config"
        if name is None:
            name = self.default_cluster
        if name is None:
            if len(self.clusters) == 1:
                return next(iter(self.clusters.values()))
            raise ConfigError(
                f"{where}: several clusters ({', '.join(self.clusters)}); pick one with --cluster NAME "
                "or set default_cluster"
            )
        if name not in self.clusters:
            raise ConfigError(f"{where}: no cluster named {name!r} (known: {', '.join(self.clusters)})")
        return self.clusters[name]


def discover_config_path(cli_path: str | None) -> Path | None:
    """Returns the config file to read: --config, then $HATUI_CONFIG, then ~/.config/hatui/config.yaml."""
    if cli_path:
        return Path(cli_path).expanduser()
    env = os.environ.get("HATUI_CONFIG")
    if env:
        return Path(env).expanduser()
    default = Path.home() / ".config" / "hatui" / "config.yaml"
    return default if default.is_file() else None


def load_config(path: Path) -> Config:
    """Reads and validates ``path``.

    Raises:
        ConfigError: naming the file, the key and what is wrong.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text at byte {exc.start}") from None
    data = _read_yaml(text, path)
    if data is None:
        raise ConfigError(
            f"{path}: the file is empty; it needs a clusters: section (see config.example.yaml)"
        )
    config = parse_config(data, path)
    return dataclasses.replace(config, warnings=tuple(_permission_warnings(config, path)))


def _read_yaml(text: str, path: Path) -> Any:
    """Parses ``text``; a YAML error (a duplicate key among them) is a ConfigError naming ``path``.

    PyYAML is imported here, not at the top: ``--replay`` and ``--demo`` read no config file and
    need not pay for its import (a cold ``hatui --once`` starts by importing what it needs).
    """
    import yaml

    try:
        return yaml.load(text, Loader=_strict_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        # ReaderError (a control character) has no ``problem`` and a multi-line str().
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}{where}: not valid YAML: {problem}") from None


def _strict_loader() -> type[yaml.SafeLoader]:
    """YAML's safe loader, but a key given twice in one mapping is an error, not "last one wins".

    Built on libyaml's parser where PyYAML has it (a tenth of the pure-Python parser's time on the
    example config); the constructor, where the check lives, is Python in both.
    """
    import yaml

    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class StrictLoader(base):  # type: ignore[misc,valid-type]
        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
            first_line: dict[Hashable, int] = {}
            for key_node, _ in node.value:
                # Merge keys (``<<: *base``) may be overridden on purpose; only literal keys count.
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=deep)
                if not isinstance(key, Hashable):
                    continue  # the base class refuses it with its own message
                line = key_node.start_mark.line + 1
                if key in first_line:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"duplicate key {key!r} (first given on line {first_line[key]}); "
                        "remove one: the later value would silently replace the earlier",
                        key_node.start_mark,
                    )
                first_line[key] = line
            mapping: dict[Hashable, Any] = super().construct_mapping(node, deep=deep)
            return mapping

    return StrictLoader


def _permission_warnings(config: Config, path: Path) -> list[str]:
    """Warns about the config file and its known_hosts files being writable by group or others."""
    found = []
    mode = _loose_mode(path)
    if mode is not None:
        found.append(
            f"{path} is writable by group/others (mode {mode:04o}): anyone who can write it can point "
            f"hatui at other hosts or known_hosts files; chmod go-w {shlex.quote(str(path))}"
        )
    for cluster in config.clusters.values():
        if not cluster.known_hosts:
            continue
        known = Path(cluster.known_hosts).expanduser()
        mode = _loose_mode(known)
        if mode is not None:
            found.append(
                f"{known} (known_hosts of cluster {cluster.name}) is writable by group/others "
                f"(mode {mode:04o}): anyone who can write it can make hatui trust any host key; "
                f"chmod go-w {shlex.quote(str(known))}"
            )
    return found


def _loose_mode(path: Path) -> int | None:
    """The permission bits of ``path`` when group or others may write it, else None."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None  # a missing known_hosts file is the transport's business, not a warning
    return mode if mode & (stat.S_IWGRP | stat.S_IWOTH) else None


def parse_config(data: Any, path: Path | None = None) -> Config:
    """Validates already-loaded YAML data; see ``load_config``."""
    r = Reader(str(path) if path else "config")
    top = r.mapping(data, "", {"clusters", "default_cluster", "health", "theme", "keymap"})
    raw_clusters = r.mapping(top.get("clusters"), "clusters", None, required=True)
    if not raw_clusters:
        raise ConfigError(f"{r.where}: clusters: at least one cluster is needed")
    clusters = {str(name): _cluster(r, str(name), body) for name, body in raw_clusters.items()}
    default = r.opt(top, "default_cluster", "", str)
    if default is not None and default not in clusters:
        raise ConfigError(f"{r.where}: default_cluster: no cluster named {default!r}")
    health = r.mapping(top.get("health", {}), "health", {"ignore"})
    ignore = r.str_list(health.get("ignore", []), "health.ignore")
    keymap = r.mapping(top.get("keymap", {}), "keymap", None)
    return Config(
        clusters=clusters,
        default_cluster=default,
        health_ignore=frozenset(ignore),
        theme=r.opt(top, "theme", "", str) or "hatui-dark",
        keymap={str(k): r.typed(v, f"keymap.{k}", str) for k, v in keymap.items()},
        path=path,
    )


_CLUSTER_KEYS = {
    "nodes",
    "display_name",
    "accent",
    "mode",
    "known_hosts",
    "connect_timeout",
    "command_timeout",
    "keepalive_interval",
    "intervals",
    "shell",
    "vm_disks",
    "max_output_mib",
    "backup",
    "alerts",
}
_NODE_KEYS = {"name", "host", "port", "user", "identity_file", "sudo", "transport"}


def _cluster(r: Reader, name: str, body: Any) -> ClusterConfig:
    key = f"clusters.{name}"
    m = r.mapping(body, key, _CLUSTER_KEYS)
    raw_nodes = m.get("nodes")
    if not isinstance(raw_nodes, list) or not raw_nodes:
        raise ConfigError(f"{r.where}: {key}.nodes: a list of at least one node is needed")
    nodes = tuple(_node(r, f"{key}.nodes[{i}]", n) for i, n in enumerate(raw_nodes))
    seen: set[str] = set()
    for n in nodes:
        if n.name in seen:
            raise ConfigError(f"{r.where}: {key}.nodes: node {n.name!r} is listed twice")
        seen.add(n.name)
    mode = r.opt(m, "mode", key, str) or "operator"
    r.choice(mode, f"{key}.mode", ("operator", "read-only"))
    shell = r.opt(m, "shell", key, str) or "auto"
    r.choice(shell, f"{key}.shell", ("auto", "pacemaker", "crmsh", "pcs"))
    intervals = dict(DEFAULT_INTERVALS)
    for k, v in r.mapping(m.get("intervals", {}), f"{key}.intervals", {f.value for f in Family}).items():
        intervals[Family(k)] = r.positive(v, f"{key}.intervals.{k}")
    vm_disks = {
        str(vm): tuple(r.str_list(v, f"{key}.vm_disks.{vm}"))
        for vm, v in r.mapping(m.get("vm_disks", {}), f"{key}.vm_disks", None).items()
    }
    return ClusterConfig(
        name=name,
        nodes=nodes,
        display_name=r.opt(m, "display_name", key, str),
        accent=r.opt(m, "accent", key, str),
        mode=mode,
        known_hosts=r.opt(m, "known_hosts", key, str),
        connect_timeout=r.positive(m.get("connect_timeout", 5.0), f"{key}.connect_timeout"),
        command_timeout=r.positive(m.get("command_timeout", 10.0), f"{key}.command_timeout"),
        keepalive_interval=r.positive(m.get("keepalive_interval", 2.0), f"{key}.keepalive_interval"),
        intervals=intervals,
        shell=shell,
        vm_disks=vm_disks,
        max_output_mib=r.positive(
            m.get("max_output_mib", DEFAULT_MAX_OUTPUT_MIB), f"{key}.max_output_mib", unit="MiB", most=None
        ),
        backup=read_backup(r, m.get("backup"), f"{key}.backup"),
        alerts=_alerts(r, m.get("alerts"), f"{key}.alerts"),
    )


def _alerts(r: Reader, value: Any, key: str) -> tuple[AlertRule, ...]:
    if value is None:
        return ()
    # Loaded only for a cluster with rules: a cold ``hatui --once`` reads the config too.
    from hatui.alerts.rules import parse_rules

    return parse_rules(r, value, key)


def _node(r: Reader, key: str, body: Any) -> NodeConfig:
    if isinstance(body, str):
        body = {"name": body}
    m = r.mapping(body, key, _NODE_KEYS)
    name = r.opt(m, "name", key, str)
    if not name:
        raise ConfigError(f"{r.where}: {key}.name: every node needs a name")
    port = r.opt(m, "port", key, int)
    if port is not None and not 0 < port < 65536:
        raise ConfigError(f"{r.where}: {key}.port: {port} is not a TCP port")
    transport = r.opt(m, "transport", key, str) or "ssh"
    r.choice(transport, f"{key}.transport", ("ssh", "local"))
    return NodeConfig(
        name=name,
        host=r.opt(m, "host", key, str) or name,
        port=port or 22,
        user=r.opt(m, "user", key, str),
        identity_file=r.opt(m, "identity_file", key, str),
        sudo=bool(r.opt(m, "sudo", key, bool)),
        transport=transport,
    )
