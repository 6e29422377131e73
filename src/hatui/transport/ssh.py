"""Provides ``SSHTransport``: one kept asyncssh connection per node, never hanging, never trusting.

- The connection is opened on first use and kept; every poll and action is a channel on it.
- ``connect_timeout``, ``keepalive_interval`` (``keepalive_count_max=3``) and a timeout on every
  command: asyncssh has none of them by default, and a dead node must cost at most those.
- A dropped connection is reopened by the next call. Failed attempts back off exponentially
  (``backoff_initial`` doubling up to ``backoff_max``: 1, 2, 4, 4... seconds); a call during the
  back-off fails at once with the last reason instead of waiting on the network again. The cap is
  low on purpose: a node back from a long outage must be seen within seconds (an on-call admin
  watching a reboot), and a refused or timed-out connect every 4 s costs the node nothing.
- Host keys are checked against ``~/.ssh/known_hosts`` and the cluster's own known_hosts file, and
  are never accepted silently. An unknown key is refused with its SHA256 fingerprint and the command
  to accept it; a changed key is refused as a possible man-in-the-middle
  (:mod:`hatui.transport.hostkeys`).
- Output is read in chunks up to ``max_output`` bytes (the cluster's ``max_output_mib``); past
  it the channel is closed, so that a runaway command cannot fill hatui's memory.
- Every failure leaves as ``TransportError`` with a reason a person can act on.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import shlex
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import asyncssh
from asyncssh.encryption import get_default_encryption_algs

from hatui.config import ClusterConfig, NodeConfig
from hatui.errors import TransportError
from hatui.transport.base import CommandResult, Guard
from hatui.transport.batch import build_batch, single_command, split_batch
from hatui.transport.capped import DEFAULT_MAX_OUTPUT, OutputTooLargeError, read_capped
from hatui.transport.hostkeys import DEFAULT_PORT, host_key_problem
from hatui.transport.keyfiles import client_keys, trusted_keys

#: How long ``close()`` waits for the server to acknowledge the disconnect.
_CLOSE_WAIT_S = 2.0


class SSHTransport:
    """Runs commands on one node over a single, kept asyncssh connection."""

    def __init__(
        self,
        node: str,
        host: str,
        *,
        port: int = DEFAULT_PORT,
        user: str | None = None,
        identity_file: str | None = None,
        known_hosts: str | None = None,
        connect_timeout: float = 5.0,
        keepalive_interval: float = 2.0,
        backoff_initial: float = 1.0,
        backoff_max: float = 4.0,
        max_output: int = DEFAULT_MAX_OUTPUT,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.node = node
        self.host = host
        self.port = port
        self.user = user
        self.identity_file = identity_file
        self.known_hosts = known_hosts
        self.connect_timeout = connect_timeout
        self.keepalive_interval = keepalive_interval
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.max_output = max_output
        self._monotonic = monotonic
        self._conn: asyncssh.SSHClientConnection | None = None
        self._lock = asyncio.Lock()
        self._generation = 0
        self._failures = 0
        self._retry_at = 0.0
        self._last_reason: str | None = None
        self._last_kind: str | None = None

    @classmethod
    def from_config(cls, node: NodeConfig, cluster: ClusterConfig) -> SSHTransport:
        """Builds the transport of ``node`` with the cluster's timeouts and known_hosts file."""
        return cls(
            node.name,
            node.host,
            port=node.port,
            user=node.user,
            identity_file=node.identity_file,
            known_hosts=cluster.known_hosts,
            connect_timeout=cluster.connect_timeout,
            keepalive_interval=cluster.keepalive_interval,
            max_output=cluster.max_output_bytes,
        )

    @property
    def connection_generation(self) -> int:
        """How many connections were opened so far; a change means "reconnected, re-detect"."""
        return self._generation

    @property
    def connected(self) -> bool:
        """True while a connection is open."""
        return self._conn is not None and not self._conn.is_closed()

    @property
    def where(self) -> str:
        """``user@host:port`` as people write it, for messages."""
        user = f"{self.user}@" if self.user else ""
        return f"{user}{self.host}:{self.port}"

    async def run(
        self,
        argv: Sequence[str],
        *,
        timeout: float,  # the Transport protocol's name; the caller owns the limit
        stdin: str | None = None,
    ) -> CommandResult:
        """Runs one command; see ``Transport.run``.

        Raises:
            OutputTooLargeError: the command printed more than ``max_output`` bytes (it was ended).
        """
        line = single_command(argv, timeout=timeout)
        status, out, err, took = await self._run_line(line, timeout, stdin)
        return CommandResult(tuple(argv), status, out, err, took)

    async def run_batch(
        self,
        commands: Mapping[str, Sequence[str]],
        *,
        timeout: float,  # as in run()
        guard: Guard | None = None,
    ) -> dict[str, CommandResult]:
        """Runs ``commands`` as ONE remote ``sh -c`` command; see ``hatui.transport.batch``.

        Output past ``max_output`` ends the batch: the sections printed whole keep their
        results, the one cut short and those after it get an error that names the limit.
        """
        batch = build_batch(commands, timeout=timeout, guard=guard, max_output=self.max_output)
        line = f"sh -c {shlex.quote(batch.script)}"
        started = self._monotonic()
        try:
            _, out, err, took = await self._run_line(line, timeout, None)
        except OutputTooLargeError as exc:
            out, err, took = _text(exc.stdout), exc.message, self._monotonic() - started
        return split_batch(batch, out, stderr=err, duration_s=took)

    async def host_identity(self) -> str | None:
        """``"<host>:<port> SHA256:<fingerprint>"``: the node as it presented itself on this connection.

        Opens the connection if needed. None when the server proved no host key (GSS key
        exchange). Stable across connections while the node keeps its host key, so that what
        was learnt about a node can be kept under it.

        Raises:
            TransportError: the node cannot be reached (or is in its reconnect back-off).
        """
        key = (await self._connection()).get_server_host_key()
        if key is None:
            return None
        return f"{self.host}:{self.port} {key.get_fingerprint('sha256')}"

    async def close(self) -> None:
        """Closes the connection; safe to call twice. A later call opens a new one."""
        conn, self._conn = self._conn, None
        if conn is not None:
            await _close_quietly(conn)

    async def _run_line(
        self, line: str, limit_s: float, stdin: str | None
    ) -> tuple[int | None, str, str, float]:
        conn = await self._connection()
        started = self._monotonic()
        process: asyncssh.SSHClientProcess[bytes] | None = None
        try:
            # The outer limit also covers opening the channel, which asyncssh does not time.
            async with asyncio.timeout(limit_s):
                # Bytes, read in chunks: asyncssh's wait()/communicate() would buffer everything
                # the node sends, without limit. Decoded only once whole.
                process = await conn.create_process(
                    line,
                    input=stdin.encode() if stdin is not None else None,
                    stdin=asyncssh.PIPE if stdin is not None else asyncssh.DEVNULL,
                    encoding=None,
                )
                out, err = await read_capped(process.stdout, process.stderr, self.max_output)
                await process.wait_closed()
        except OutputTooLargeError:
            # Nothing reads the channel any more: drop it, the node's sshd ends the command.
            if process is not None:
                process.close()
            raise
        except TimeoutError:
            # The connection may be fine and only the command hung: keep the connection, drop the
            # channel without waiting (sshd acknowledges only once the command has exited).
            if process is not None:
                process.close()
            raise TransportError(f"timed out after {limit_s:g}s") from None
        except asyncssh.ChannelOpenError as exc:
            lost = conn.is_closed()
            self._drop(conn)
            if lost:
                raise TransportError(f"connection to {self.where} lost: {exc.reason}") from None
            raise TransportError(f"{self.where} refused a session: {exc.reason}") from None
        except (OSError, asyncssh.Error) as exc:
            self._drop(conn)
            raise TransportError(f"connection to {self.where} lost: {_reason(exc)}") from None
        status = process.exit_status
        # asyncssh reports -1 when the command died from a signal; the protocol says None.
        exit_status = status if status is not None and status >= 0 else None
        return exit_status, _text(out), _text(err), self._monotonic() - started

    async def connection(self) -> asyncssh.SSHClientConnection:
        """The kept connection (opened if needed), for an interactive channel such as a VM console.

        Raises:
            TransportError: the node cannot be reached (or is in its reconnect back-off).
        """
        return await self._connection()

    async def _connection(self) -> asyncssh.SSHClientConnection:
        async with self._lock:
            if self._conn is not None and not self._conn.is_closed():
                return self._conn
            self._conn = None
            now = self._monotonic()
            if now < self._retry_at and self._last_reason is not None:
                wait = math.ceil(self._retry_at - now)
                raise TransportError(f"{self._last_reason} (next attempt in {wait}s)", kind=self._last_kind)
            try:
                conn = await self._open()
            except TransportError as exc:
                self._failures += 1
                delay = min(self.backoff_initial * 2 ** (self._failures - 1), self.backoff_max)
                self._retry_at = self._monotonic() + delay
                self._last_reason = exc.message
                self._last_kind = exc.kind
                raise
            self._failures = 0
            self._retry_at = 0.0
            self._last_reason = None
            self._generation += 1
            self._conn = conn
            return conn

    def _drop(self, conn: asyncssh.SSHClientConnection) -> None:
        # Only the connection that failed: a concurrent call may already have opened a new one.
        if self._conn is conn:
            self._conn = None
        conn.abort()

    def _known_hosts_files(self) -> list[Path]:
        files = [Path.home() / ".ssh" / "known_hosts"]
        if self.known_hosts:
            files.append(Path(self.known_hosts).expanduser())
        return files

    def _options(self, known: asyncssh.SSHKnownHosts) -> asyncssh.SSHClientConnectionOptions:
        options = asyncssh.SSHClientConnectionOptions(
            # () reads ~/.ssh/config, as asyncssh.connect does (None, the default here, does not).
            config=(),
            host=self.host,
            port=self.port if self.port != DEFAULT_PORT else (),
            username=self.user if self.user else (),
            client_keys=client_keys(self.identity_file) if self.identity_file else (),
            known_hosts=known,
            connect_timeout=self.connect_timeout,
            keepalive_interval=self.keepalive_interval,
            keepalive_count_max=3,
        )
        if list(options.encryption_algs) == list(get_default_encryption_algs()):
            # Nobody chose the ciphers (no Ciphers in ~/.ssh/config): AES-GCM first, as AEAD as
            # chacha20-poly1305 and one call into the crypto library per packet instead of
            # several (asyncssh's chacha20 is three): a 700 KB crm_mon XML costs 2.9 ms of CPU
            # instead of 4.1, on the node's sshd too where the CPU has AES instructions.
            # (asyncssh.connect prepares the options again from their arguments: given as one.)
            gcm = [alg for alg in options.encryption_algs if alg.endswith(b"-gcm@openssh.com")]
            preferred = [*gcm, *(alg for alg in options.encryption_algs if alg not in gcm)]
            options.update(encryption_algs=[alg.decode() for alg in preferred])
        return options

    async def _open(self) -> asyncssh.SSHClientConnection:
        try:
            known = trusted_keys(self._known_hosts_files())
            # Reads ~/.ssh/config and the key files: off the event loop, like asyncssh itself does.
            options = await asyncio.to_thread(self._options, known)
        except (OSError, ValueError, asyncssh.Error) as exc:
            raise TransportError(f"cannot prepare the connection to {self.where}: {_reason(exc)}") from None
        try:
            # asyncssh's own connect_timeout covers TCP, key exchange and authentication; the
            # outer limit is a guard for name resolution and anything else before it starts.
            async with asyncio.timeout(self.connect_timeout + 1.0):
                return await asyncssh.connect(self.host, options=options)
        except TimeoutError:
            raise TransportError(
                f"connecting to {self.where} timed out after {self.connect_timeout:g}s"
            ) from None
        except (asyncssh.HostKeyNotVerifiable, asyncssh.KeyExchangeFailed) as exc:
            raise await host_key_problem(
                exc, options, known, self._known_hosts_files(), self.connect_timeout
            ) from None
        except asyncssh.PermissionDenied:
            offered = (
                f"identity file {self.identity_file}"
                if self.identity_file
                else "the default keys in ~/.ssh and the ssh-agent's"
            )
            raise TransportError(
                f"authentication refused by {options.username}@{self.host}:{options.port}: "
                f"it accepted none of the keys offered ({offered}); check authorized_keys "
                "on the node, the user name and the identity_file setting"
            ) from None
        except ConnectionRefusedError:
            raise TransportError(
                f"connection refused by {self.host}:{options.port} (is sshd running there?)"
            ) from None
        except socket.gaierror as exc:
            raise TransportError(f"cannot resolve host {self.host!r}: {exc.strerror or exc}") from None
        except (OSError, asyncssh.Error, ValueError) as exc:
            raise TransportError(f"cannot connect to {self.where}: {_reason(exc)}") from None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, asyncssh.Error):
        return exc.reason or type(exc).__name__
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    return str(exc) or type(exc).__name__


def _text(data: object) -> str:
    if data is None:
        return ""
    if isinstance(data, bytes):
        return data.decode("utf-8", errors="replace")
    return str(data)


async def _close_quietly(conn: asyncssh.SSHClientConnection) -> None:
    conn.close()
    with contextlib.suppress(TimeoutError, OSError, asyncssh.Error):
        async with asyncio.timeout(_CLOSE_WAIT_S):
            await conn.wait_closed()
