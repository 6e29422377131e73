"""Who may look at the served wall: loopback by default, credentials from a file or the environment."""

from __future__ import annotations

import base64
import socket
from pathlib import Path

import pytest

from hatui.cli import main
from hatui.errors import HatuiError
from hatui.serve.access import AUTH_ENV, Access, check_binding, is_loopback, load_access


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_basic_auth_takes_the_right_pair_only() -> None:
    access = Access("wall", "s3cret:with-colon")
    assert access.basic_ok(basic("wall", "s3cret:with-colon"))
    assert not access.basic_ok(basic("wall", "s3cret"))
    assert not access.basic_ok(basic("other", "s3cret:with-colon"))
    assert not access.basic_ok("Bearer s3cret:with-colon")
    assert not access.basic_ok("Basic not-base64!")
    assert not access.basic_ok(None)
    assert not Access().basic_ok(basic("", "")), "an open server has no password to match"


def test_the_session_cookie_is_random_per_server_and_only_with_credentials() -> None:
    one, two = Access("wall", "pw"), Access("wall", "pw")
    assert one.session != two.session and len(one.session) >= 32
    assert one.cookie_ok(one.session) and not one.cookie_ok(two.session) and not one.cookie_ok(None)
    open_access = Access()
    assert not open_access.cookie_ok(open_access.session)
    assert "pw" not in repr(one) and one.session not in repr(one)


def test_credentials_from_an_owner_only_file(tmp_path: Path) -> None:
    path = tmp_path / "wall.auth"
    path.write_text("wall:pw\n")
    path.chmod(0o600)
    access = load_access(path, {})
    assert access.required and access.basic_ok(basic("wall", "pw"))
    path.chmod(0o640)
    with pytest.raises(HatuiError, match=r"readable by others \(mode 640\): chmod 600 it"):
        load_access(path, {})
    with pytest.raises(HatuiError, match="cannot read the auth file"):
        load_access(tmp_path / "missing", {})
    path.write_text("no colon here\n")
    path.chmod(0o600)
    with pytest.raises(HatuiError, match="expected one line user:password"):
        load_access(path, {})


def test_credentials_from_the_environment_but_not_twice(tmp_path: Path) -> None:
    assert load_access(None, {AUTH_ENV: "wall:pw"}).basic_ok(basic("wall", "pw"))
    assert not load_access(None, {}).required
    with pytest.raises(HatuiError, match="expected one line user:password"):
        load_access(None, {AUTH_ENV: "wall:"})
    path = tmp_path / "wall.auth"
    path.write_text("wall:pw\n")
    with pytest.raises(HatuiError, match="give the credentials once"):
        load_access(path, {AUTH_ENV: "wall:pw"})


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.0.2.7", False),
        ("wall.example.org", False),
    ],
)
def test_what_counts_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_beyond_loopback_the_server_needs_credentials() -> None:
    check_binding("127.0.0.1", Access())
    check_binding("0.0.0.0", Access("wall", "pw"))
    with pytest.raises(HatuiError, match="--host 0.0.0.0 serves the wall beyond this machine"):
        check_binding("0.0.0.0", Access())


def test_hatui_serve_refuses_an_open_wall_beyond_loopback_before_listening(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(AUTH_ENV, raising=False)
    assert main(["serve", "--demo", "--host", "0.0.0.0", "--port", "0"]) == 3
    err = capsys.readouterr().err
    assert "serve: --host 0.0.0.0 serves the wall beyond this machine" in err
    assert err.count("\n") == 1, err


@pytest.mark.parametrize(
    ("argv", "why"),
    [
        (["serve", "--demo", "--all", "--cluster", "x"], "--all and --cluster do not go together"),
        (["serve", "--demo", "--rotate"], "--rotate goes with --all"),
        (["serve", "--demo-faults", "f", "--replay", "d"], "--demo-faults goes with --demo"),
        (["serve", "--demo", "--max-walls", "0"], "--max-walls must be at least 1"),
    ],
)
def test_hatui_serve_usage_mistakes_are_one_line(
    argv: list[str], why: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 3
    err = capsys.readouterr().err
    assert err.startswith(f"serve: {why}") and err.count("\n") == 1, err


def test_main_only_options_do_not_go_with_serve(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--monitor", "serve", "--demo"])
    assert "--monitor does not go with the serve sub-command" in capsys.readouterr().err


def test_a_taken_port_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--demo", "--port", str(port)]) == 3
    err = capsys.readouterr().err
    assert err.startswith(f"serve: cannot listen on 127.0.0.1:{port}: ") and err.count("\n") == 1, err
