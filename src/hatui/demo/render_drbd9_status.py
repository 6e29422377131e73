"""Provides the text of DRBD 9's ``drbdsetup status`` (and so of ``drbdadm status``) for the modern demo.

It follows drbd-utils 9.22's ``resource_status``, ``device_status``, ``connection_status`` and
``peer_device_status``, and its ``wrap_printf``: words go on while they fit the 80 columns drbdsetup
assumes without a terminal, a continuation line starts at the item's indentation, and colours are
off. Plain ``status`` prints only what differs from a healthy state (no ``replication:`` while
Established, no peer volume while not Connected); ``--verbose`` prints every field and
``--statistics`` the counters. A blank line follows each resource.
"""

from __future__ import annotations

from hatui.demo.render_drbd9 import ResourceView

#: What drbdsetup's wrap_printf assumes when stdout is not a terminal.
COLUMNS = 80


class _Wrap:
    """drbd-utils' ``wrap_printf``: one column counter for the whole output."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.col = 0

    def __call__(self, indent: int, text: str) -> None:
        if self.col + len(text) > COLUMNS:
            self.parts.append("\n")
            text = text.removeprefix("\n")
            self.col = 0
        if self.col == 0:
            text = text.lstrip(" ")
            self.col = indent
            self.parts.append(" " * indent)
        self.parts.append(text)
        self.col += len(text)
        if text.endswith("\n"):
            self.col = 0


def status_text(views: list[ResourceView], *, verbose: bool = False, statistics: bool = False) -> str:
    """``drbdsetup status [--verbose] [--statistics]`` of these resources."""
    if not views:
        return "# No currently configured DRBD found.\n"
    w = _Wrap()
    for v in views:
        _resource(w, v, verbose, statistics)
        _device(w, v, verbose, statistics)
        _connection(w, v, verbose, statistics)
        w(0, "\n")
    return "".join(w.parts)


def _resource(w: _Wrap, v: ResourceView, verbose: bool, statistics: bool) -> None:
    w(0, v.name)
    if verbose:
        w(4, f" node-id:{v.node_id}")
    w(4, f" role:{v.role}")
    if verbose:
        w(4, " suspended:no")
        w(4, " force-io-failures:no")
    if verbose and statistics:
        w(4, "\n")
        w(4, " write-ordering:flush")
    w(0, "\n")


def _device(w: _Wrap, v: ResourceView, verbose: bool, statistics: bool) -> None:
    indent = 2
    if verbose:  # the single volume 0 is named only in verbose output
        w(2, "volume:0")
        indent = 6
        w(indent, f" minor:{v.minor}")
    w(indent, f" disk:{v.disk}")
    if verbose:
        w(indent, f" backing_dev:{v.backing_dev}")
        w(indent, " quorum:yes")
    if statistics:
        w(6, "\n")
        if verbose:
            w(6, f" size:{v.size_kib}")
        w(6, f" read:{v.read_kib}")
        w(6, f" written:{v.written_kib}")
        if verbose:
            for text in (f" al-writes:{v.al_writes}", f" bm-writes:{v.bm_writes}", " upper-pending:0"):
                w(6, text)
            w(6, " lower-pending:0")
            w(6, " al-suspended:no")
    if verbose:
        w(6, " blocked:no")
    w(6, "\n")


def _connection(w: _Wrap, v: ResourceView, verbose: bool, statistics: bool) -> None:
    p = v.peer
    connected = p.connection == "Connected"
    w(2, p.name)
    if verbose:
        w(6, f" node-id:{p.node_id}")
    if verbose or not connected:
        w(6, f" connection:{p.connection}")
    if verbose or connected:
        w(6, f" role:{p.role}")
    if verbose:
        in_flight = 8192 if p.sync is not None and not p.sync.verify else 0
        w(6, " congested:no")
        w(6, " ap-in-flight:0")
        w(6, f" rs-in-flight:{in_flight}")
    w(0, "\n")
    if verbose or statistics or connected:
        _peer_device(w, v, verbose, statistics)


def _peer_device(w: _Wrap, v: ResourceView, verbose: bool, statistics: bool) -> None:
    p, s = v.peer, v.peer.sync
    indent = 4
    if verbose:
        w(4, "volume:0")
        indent = 8
    if verbose or p.replication not in ("Off", "Established"):
        w(indent, f" replication:{p.replication}")
        indent = 8
    if verbose or statistics or p.replication != "Off" or p.disk != "DUnknown":
        w(indent, f" peer-disk:{p.disk}")
        if s is not None:
            w(8, f" done:{s.done_percent:.2f}")
        if verbose or p.resync_suspended != "no":
            w(8, f" resync-suspended:{p.resync_suspended}")
        if statistics:
            w(8, "\n")
            w(8, f" received:{p.received_kib}")
            w(8, f" sent:{p.sent_kib}")
            if verbose or p.oos_kib:
                w(8, f" out-of-sync:{p.oos_kib}")
            if verbose:
                w(8, " pending:0")
                w(8, " unacked:0")
                if s is not None:
                    w(8, f" dbdt1:{s.db1 / (s.dt1_ms or 1) * 1000.0 / 2048.0:.2f}")
                    w(8, f" eta:{s.eta_s:.0f}" if s.db1 > 0 else " eta:nan")
    w(0, "\n")
