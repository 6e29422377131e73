"""Provides ``transport_for``: the SSHTransport hatui makes from its config for a test sshd node."""

from __future__ import annotations

from pathlib import Path

from hatui.config import ClusterConfig
from hatui.transport.ssh import SSHTransport
from support.sshd import SshdServer


def transport_for(server: SshdServer, *, identity_file: Path | None = None, **attrs: float) -> SSHTransport:
    """Logs in as root; the server's host key is in the cluster's known_hosts file (trusted once).

    ``attrs`` override the transport's settings (``backoff_initial=0.01``...).
    """
    node = server.node_config("n1", **({"identity_file": str(identity_file)} if identity_file else {}))
    known = server.root / "known_hosts"
    if not known.exists():
        server.trust(known)
    transport = SSHTransport.from_config(node, ClusterConfig(name="c", nodes=(node,), known_hosts=str(known)))
    for name, value in attrs.items():
        setattr(transport, name, value)
    return transport
