"""What SSHTransport prepares for a connection, against a REAL sshd: ciphers, keys read once per change.

Known hosts and identity files are parsed once and kept while the files stay the same; these
tests change the files between connections and check that the change is always seen.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from hatui.errors import TransportError
from support.ssh_transport import transport_for
from support.sshd import SshdServer, keygen, sshd_factory  # noqa: F401 - the fixture

MakeServer = Callable[..., SshdServer]


@pytest.fixture(autouse=True)
def _no_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    """Authentication must use the key each test names, not a developer's ssh-agent."""
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)


async def cipher(server: SshdServer) -> str:
    t = transport_for(server)
    try:
        conn = await t.connection()
        return str(conn.get_extra_info("send_cipher"))
    finally:
        await t.close()


async def test_aes_gcm_is_preferred_unless_the_ssh_config_chooses(
    sshd_factory: MakeServer,  # noqa: F811
) -> None:
    server = sshd_factory("n1")
    server.trust(server.root / "known_hosts")
    assert (await cipher(server)).startswith("aes") and (await cipher(server)).endswith("-gcm@openssh.com")
    config = Path.home() / ".ssh" / "config"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("Ciphers chacha20-poly1305@openssh.com\n")
    assert await cipher(server) == "chacha20-poly1305@openssh.com"


async def test_a_key_accepted_into_known_hosts_is_seen_by_the_next_connection(
    sshd_factory: MakeServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    server, other = sshd_factory("n1"), sshd_factory("n2")
    known = server.root / "known_hosts"
    other.trust(known)  # the file exists and is read, but does not know n1 yet
    t = transport_for(server)
    with pytest.raises(TransportError, match="unknown"):
        await t.run(["true"], timeout=5)
    server.trust(known)  # the same file, appended to, as ssh-keyscan >> would
    t2 = transport_for(server)
    try:
        assert (await t2.run(["true"], timeout=5)).ok
    finally:
        await t2.close()


async def test_an_identity_file_replaced_in_place_is_read_again(
    sshd_factory: MakeServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    server = sshd_factory("n1")
    server.trust(server.root / "known_hosts")
    identity = tmp_path / "id_cluster"
    shutil.copy(server.client_key, identity)
    t = transport_for(server, identity_file=identity)
    assert (await t.run(["true"], timeout=5)).ok
    await t.close()

    # The key is rotated: a new one in the same file, and only the new one is authorized.
    identity.unlink()
    keygen(identity, "rotated")
    server.authorized_keys.write_text(identity.with_name("id_cluster.pub").read_text())
    t2 = transport_for(server, identity_file=identity)
    try:
        assert (await t2.run(["true"], timeout=5)).ok
    finally:
        await t2.close()
