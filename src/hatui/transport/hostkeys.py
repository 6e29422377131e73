"""Provides the host-key side of ``SSHTransport``: which keys are trusted, and why a key was refused.

Keys are read from ``~/.ssh/known_hosts`` and the cluster's own known_hosts file, afresh on every
connection attempt, and are never accepted silently. asyncssh says only "not verifiable"; hatui
tells an unknown key (``kind="host-key-unknown"``: its SHA256 fingerprint and the command to accept
it) from a changed one (``"host-key-changed"``: a possible man-in-the-middle) and a revoked one, by
fetching the key the server now presents.
"""

from __future__ import annotations

import asyncio
import shlex
import socket
from collections.abc import Sequence
from pathlib import Path

import asyncssh

from hatui.errors import TransportError

DEFAULT_PORT = 22
#: ssh-keyscan ``-t`` names per host key algorithm.
_KEYSCAN_TYPES = {
    "ssh-ed25519": "ed25519",
    "ssh-rsa": "rsa",
    "ssh-dss": "dsa",
    "ecdsa-sha2-nistp256": "ecdsa",
    "ecdsa-sha2-nistp384": "ecdsa",
    "ecdsa-sha2-nistp521": "ecdsa",
    "sk-ssh-ed25519@openssh.com": "ed25519-sk",
    "sk-ecdsa-sha2-nistp256@openssh.com": "ecdsa-sk",
}


def read_known_hosts(files: Sequence[Path]) -> asyncssh.SSHKnownHosts:
    """The trusted keys of those ``files`` that exist (none: an empty list, never "no checking")."""
    # Passed explicitly every time: asyncssh would DISABLE host key checking if an
    # ~/.ssh/config said "UserKnownHostsFile none", and a fresh read picks up a key the
    # user accepted since the last attempt.
    present = [str(f) for f in files if f.is_file()]
    if not present:
        return asyncssh.import_known_hosts("")
    return asyncssh.read_known_hosts(present)


async def host_key_problem(
    exc: asyncssh.Error,
    options: asyncssh.SSHClientConnectionOptions,
    known: asyncssh.SSHKnownHosts,
    known_hosts_files: Sequence[Path],
    connect_timeout: float,
) -> TransportError:
    """Tells an unknown key from a changed one, which asyncssh's error does not (``kind``)."""
    host = options.host
    port = options.port
    lookup = options.host_key_alias or host
    addr = await _first_address(host, port)
    trusted, _, revoked, *_ = asyncssh.match_known_hosts(
        known, lookup, addr, port if port != DEFAULT_PORT else None
    )
    if isinstance(exc, asyncssh.KeyExchangeFailed) and not trusted:
        # Not about a key we know: no common algorithm or the like.
        return TransportError(f"key exchange with {host}:{port} failed: {exc.reason}")
    listed_algs = [alg.decode() for key in trusted for alg in key.sig_algorithms]
    key = await _fetch_host_key(host, port, listed_algs, connect_timeout)
    if key is None and listed_algs:
        # The server no longer offers the listed key type at all: still a changed key.
        key = await _fetch_host_key(host, port, [], connect_timeout)
    files = " or ".join(str(f) for f in known_hosts_files)
    spec = host if port == DEFAULT_PORT else f"[{host}]:{port}"
    if key is None:
        return TransportError(
            f"host key of {host}:{port} not verifiable ({exc.reason}) and it could not be fetched"
        )
    fingerprint = key.get_fingerprint("sha256")
    algorithm = key.get_algorithm()
    if key in revoked:
        return TransportError(
            f"host key of {host}:{port} ({algorithm} {fingerprint}) is marked @revoked in {files}: refused",
            kind="host-key-revoked",
        )
    if trusted and key not in trusted:
        return TransportError(
            f"HOST KEY CHANGED for {host}:{port}: it now presents {algorithm} key {fingerprint}, "
            f"which is not the key listed for it in {files}: possible man-in-the-middle attack, "
            "refused. If the node was reinstalled, verify "
            f"the new fingerprint on the node, then remove the old entry with: "
            f"ssh-keygen -R {shlex.quote(spec)}",
            kind="host-key-changed",
        )
    if trusted:
        return TransportError(f"host key check of {host}:{port} failed: {exc.reason}")
    kind = _KEYSCAN_TYPES.get(algorithm)
    type_opt = f" -t {kind}" if kind else ""
    check = f" (ssh-keygen -lf /etc/ssh/ssh_host_{kind}_key.pub)" if kind else ""
    return TransportError(
        f"host key of {host}:{port} is unknown: {algorithm} key {fingerprint}. Refused: hatui "
        f"never accepts a key silently. Check this fingerprint on the node{check}, then accept "
        f"it with: ssh-keyscan -p {port}{type_opt} {shlex.quote(host)} >> ~/.ssh/known_hosts",
        kind="host-key-unknown",
    )


async def _fetch_host_key(
    host: str, port: int, algs: list[str], connect_timeout: float
) -> asyncssh.SSHKey | None:
    try:
        async with asyncio.timeout(connect_timeout + 1.0):
            return await asyncssh.get_server_host_key(
                host, port, server_host_key_algs=algs if algs else (), config=None
            )
    except (OSError, asyncssh.Error, ValueError, TimeoutError):
        return None


async def _first_address(host: str, port: int) -> str:
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return ""
    return str(infos[0][4][0]) if infos else ""
