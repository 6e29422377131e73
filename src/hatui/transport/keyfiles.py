"""Provides the files SSHTransport reads for every connection, parsed once per change of them.

A file's stamp (inode, size, mtime) keys what was parsed from it: a key accepted into known_hosts
or a key file replaced gives a new stamp, so nothing stale is ever used, and the nodes of a cluster
(which share these files) no longer parse them once each.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import asyncssh

from hatui.transport.hostkeys import read_known_hosts

#: A file's identity: its path, inode, size and mtime (None for a file that is not there).
_Stamp = tuple[str, int, int, int] | tuple[str, None, None, None]
#: Parsed known_hosts files, by their stamps: one parse per change, not one per connection (a
#: 300-line known_hosts takes 6 ms to parse, on the event loop, times 32 nodes).
_KNOWN: dict[tuple[_Stamp, ...], asyncssh.SSHKnownHosts] = {}
#: Loaded identity files (and their -cert.pub), by their stamps: asyncssh checks an RSA private
#: key as it loads it (44 ms of CPU for 2048 bits, 140 for 3072), and every connection loaded it
#: twice (hatui's options, then asyncssh.connect's own preparation of them).
_KEYS: dict[tuple[_Stamp, _Stamp], Sequence[asyncssh.SSHKeyPair]] = {}
#: Beyond this many entries a cache starts again (files changed many times, many clusters).
_CACHED = 16
#: Held while a key file loads: the nodes connect at once, and each would load it again.
_KEYS_LOADING = threading.Lock()


def _stamp(path: Path) -> _Stamp:
    try:
        st = path.stat()
    except OSError:
        return (str(path), None, None, None)
    return (str(path), st.st_ino, st.st_size, st.st_mtime_ns)


def trusted_keys(files: Sequence[Path]) -> asyncssh.SSHKnownHosts:
    """``read_known_hosts(files)``, parsed again only when one of the files changed."""
    stamps = tuple(_stamp(f) for f in files)
    known = _KNOWN.get(stamps)
    if known is None:
        known = read_known_hosts(files)
        if len(_KNOWN) >= _CACHED:
            _KNOWN.clear()
        _KNOWN[stamps] = known
    return known


def client_keys(identity_file: str) -> Sequence[asyncssh.SSHKeyPair]:
    """The key pair(s) of ``identity_file`` as asyncssh loads them, loaded again only on a change."""
    path = Path(identity_file).expanduser()
    stamps = (_stamp(path), _stamp(path.with_name(path.name + "-cert.pub")))
    with _KEYS_LOADING:
        keys = _KEYS.get(stamps)
        if keys is None:
            keys = asyncssh.load_keypairs([str(path)])
            if len(_KEYS) >= _CACHED:
                _KEYS.clear()
            _KEYS[stamps] = keys
    return keys
