"""Provides who may look at the served wall: the binding rule and HTTP basic auth.

A wall shows node names, VM names and problem messages: not secrets, but a map of the cluster. So
the server binds to loopback unless told otherwise, and anywhere else it needs credentials. They
come from a file (``--auth-file``) or the environment (``HATUI_SERVE_AUTH``), never from the command
line (every local user can read it in ``ps``) nor the URL (it lands in browser history and proxy logs).
After one good basic-auth exchange the browser gets a random session cookie, so the WebSocket and
the static files need no credentials of their own (not every browser sends basic auth on a
WebSocket handshake).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
import os
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hatui.errors import HatuiError

#: The environment variable that may hold ``user:password`` (read once, then hidden from the walls).
AUTH_ENV = "HATUI_SERVE_AUTH"
#: The session cookie set after a good basic-auth exchange.
COOKIE = "hatui_wall"
REALM = "hatui wall"


@dataclass(frozen=True)
class Access:
    """The credentials a browser must give; ``None`` user means anyone who can connect may look."""

    user: str | None = None
    password: str = field(default="", repr=False)
    session: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    """The value of the session cookie: random per server start, so a restart logs every browser out."""

    @property
    def required(self) -> bool:
        return self.user is not None

    def basic_ok(self, header: str | None) -> bool:
        """Whether an ``Authorization`` header carries the right user and password."""
        if not self.required or not header:
            return False
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            given = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        user, sep, password = given.partition(":")
        # Both compared every time, in constant time: the answer's timing tells nothing.
        good_user = hmac.compare_digest(user.encode(), (self.user or "").encode())
        good_password = hmac.compare_digest(password.encode(), self.password.encode())
        return bool(sep) and good_user and good_password

    def cookie_ok(self, value: str | None) -> bool:
        """Whether a session cookie is this server's."""
        return self.required and value is not None and hmac.compare_digest(value, self.session)


def parse_credentials(text: str, where: str) -> Access:
    """``user:password`` (one line; surrounding blank space ignored) as an Access.

    Raises:
        HatuiError: no colon, an empty user or an empty password.
    """
    user, sep, password = text.strip().partition(":")
    if not sep or not user or not password:
        raise HatuiError(f"{where}: expected one line user:password with neither empty", "serve")
    return Access(user, password)


def load_access(auth_file: Path | None, environ: Mapping[str, str] = os.environ) -> Access:
    """The credentials from ``auth_file`` or ``$HATUI_SERVE_AUTH``; an open Access without either.

    The file must be the running user's and readable by nobody else, as ssh asks of a private key:
    a password others can read protects nothing.

    Raises:
        HatuiError: both given, an unreadable or too open file, or a malformed line.
    """
    from_env = environ.get(AUTH_ENV)
    if auth_file is not None and from_env:
        raise HatuiError(f"both --auth-file and ${AUTH_ENV} are set: give the credentials once", "serve")
    if from_env:
        return parse_credentials(from_env, f"${AUTH_ENV}")
    if auth_file is None:
        return Access()
    try:
        info = auth_file.stat()
        text = auth_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HatuiError(f"cannot read the auth file {auth_file}: {exc}", "serve") from exc
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise HatuiError(
            f"the auth file {auth_file} is readable by others (mode {stat.S_IMODE(info.st_mode):o}): "
            f"chmod 600 it",
            "serve",
        )
    return parse_credentials(text, str(auth_file))


def is_loopback(host: str) -> bool:
    """Whether binding to ``host`` keeps the server on this machine (``localhost``, 127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve anywhere


def check_binding(host: str, access: Access) -> None:
    """Refuses to serve beyond loopback without credentials.

    Raises:
        HatuiError: ``host`` is not loopback and ``access`` requires nothing.
    """
    if not is_loopback(host) and not access.required:
        raise HatuiError(
            f"--host {host} serves the wall beyond this machine: give credentials with --auth-file "
            f"FILE or ${AUTH_ENV} (one line user:password), or bind to 127.0.0.1",
            "serve",
        )
