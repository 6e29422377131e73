"""``hatui`` on input it cannot read, and its command line: real ``python -m hatui`` runs.

A Nagios/Icinga check reads exit 1 as WARNING, so anything hatui cannot read must end ``--once``
with exit 3 (UNKNOWN) and one line on stderr, never a traceback.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from hatui import cli
from hatui.config import load_config

ROOT = Path(__file__).resolve().parents[1]
HEALTHY = ROOT / "tests" / "replays" / "healthy"


def hatui(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60, **kw: Any
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hatui", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
        env=env,
        **kw,
    )


def replay(tmp_path: Path) -> Path:
    d = tmp_path / "replay"
    shutil.copytree(HEALTHY, d)
    return d


def assert_unknown(out: subprocess.CompletedProcess[str], *words: str) -> str:
    """Exit 3, exactly one line on stderr, no traceback; returns that line."""
    assert out.returncode == 3, (out.returncode, out.stderr)
    assert "Traceback" not in out.stderr
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


# -- malformed manifest.json -----------------------------------------------------------------------

MANIFESTS = {
    "nodes-as-list": ('{"nodes": ["vnode1"]}', '"nodes" must be an object'),
    "node-entry-string": ('{"nodes": {"vnode1": "up"}}', '"nodes.vnode1" must be an object'),
    "stack-not-a-dict": ('{"nodes": {"vnode1": {"stack": [1]}}}', '"nodes.vnode1.stack" must be'),
    "stack-field-type": ('{"nodes": {"vnode1": {"stack": {"drbd": 8}}}}', "stack.drbd"),
    "top-level-list": ("[]", "top level must be an object"),
    "cluster-not-str": ('{"cluster": {"a": 1}}', '"cluster" must be a string'),
    "not-json": ("{nodes", "not valid JSON"),
    "deep-nesting": ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
}


@pytest.mark.parametrize("case", sorted(MANIFESTS))
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_malformed_manifest_is_unknown_with_one_line(tmp_path: Path, case: str, fmt: str) -> None:
    d = replay(tmp_path)
    text, words = MANIFESTS[case]
    (d / "manifest.json").write_text(text)
    out = hatui("--once", "--format", fmt, "--replay", str(d))
    line = assert_unknown(out, "manifest.json", words)
    assert line.startswith("replay: ")
    assert out.stdout == ""


def test_a_good_manifest_still_reads(tmp_path: Path) -> None:
    d = replay(tmp_path)
    stack = {"crm_mon": "output-as-xml", "corosync_tools": True, "drbd": None}
    (d / "manifest.json").write_text(json.dumps({"cluster": "c1", "nodes": {"vnode1": {"stack": stack}}}))
    out = hatui("--once", "--format", "json", "--replay", str(d), "--ignore", "stonith-disabled")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["cluster"]["name"] == "c1"


# -- unreadable files ------------------------------------------------------------------------------


def test_fifo_where_an_output_belongs_is_refused_not_waited_on(tmp_path: Path) -> None:
    d = replay(tmp_path)
    (d / "vnode2" / "crm_mon.xml").unlink()
    os.mkfifo(d / "vnode2" / "crm_mon.xml")
    out = hatui("--once", "--replay", str(d), timeout=30)
    assert_unknown(out, "vnode2/crm_mon.xml", "not a regular file")


def test_fifo_manifest_is_refused(tmp_path: Path) -> None:
    d = replay(tmp_path)
    os.mkfifo(d / "manifest.json")
    assert_unknown(hatui("--once", "--replay", str(d), timeout=30), "manifest.json", "not a regular file")


@pytest.mark.parametrize("name", ["proc_drbd", "errors.json", "unreachable"])
def test_directory_where_a_file_belongs_is_unknown(tmp_path: Path, name: str) -> None:
    d = replay(tmp_path)
    (d / "vnode3" / name).unlink(missing_ok=True)
    (d / "vnode3" / name).mkdir()
    assert_unknown(hatui("--once", "--replay", str(d)), f"vnode3/{name}", "not a regular file")


def test_permission_denied_is_unknown(tmp_path: Path) -> None:
    """A file its reader may not open. Root reads any file whatever its mode, so as root hatui runs
    without the capabilities that let it (``setpriv`` drops them): the kernel says EACCES for real."""
    d = replay(tmp_path)
    (d / "vnode1" / "xm_list").chmod(0o000)
    argv = [sys.executable, "-m", "hatui", "--once", "--replay", str(d)]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("setpriv (util-linux) is not installed")
        argv = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--", *argv]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    assert_unknown(out, "vnode1/xm_list", "Permission denied")


class _EioFile:
    """What ``os.fdopen`` returns on a disk that fails: reading raises EIO."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __enter__(self) -> _EioFile:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def read(self, *_: object) -> bytes:
        raise OSError(errno.EIO, os.strerror(errno.EIO))


def test_io_error_is_unknown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """EIO (a failing disk) cannot be made on demand: the read itself fails, in-process."""
    d = replay(tmp_path)
    monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: _EioFile(fd))
    rc = cli.main(["--once", "--replay", str(d)])
    err = capsys.readouterr().err
    assert rc == 3
    assert err.count("\n") == 1 and "Input/output error" in err and err.startswith("replay: ")


# -- symlinks out of the replay directory ----------------------------------------------------------


def test_node_folder_symlinked_outside_is_refused(tmp_path: Path) -> None:
    d = replay(tmp_path)
    outside = tmp_path / "elsewhere"
    shutil.move(d / "vnode3", outside)
    (d / "vnode3").symlink_to(outside)
    assert_unknown(hatui("--once", "--replay", str(d)), "vnode3", "outside the replay directory")


def test_output_file_symlinked_outside_is_refused(tmp_path: Path) -> None:
    d = replay(tmp_path)
    secret = tmp_path / "secret"
    secret.write_text("the secret\n")
    (d / "vnode1" / "xm_list").unlink()
    (d / "vnode1" / "xm_list").symlink_to(secret)
    out = hatui("--once", "--format", "json", "--replay", str(d))
    assert_unknown(out, "vnode1/xm_list", "outside the replay directory")
    assert "the secret" not in out.stdout + out.stderr


def test_symlink_within_the_replay_directory_is_read(tmp_path: Path) -> None:
    d = replay(tmp_path)
    (d / "vnode3" / "corosync_cfgtool").unlink()
    (d / "vnode3" / "corosync_cfgtool").symlink_to("../vnode2/corosync_cfgtool")
    out = hatui("--once", "--replay", str(d), "--ignore", "stonith-disabled")
    assert out.returncode == 0, out.stderr


# -- last-resort guard -----------------------------------------------------------------------------


def test_unexpected_exception_in_once_is_unknown_with_one_line() -> None:
    """Whatever breaks inside ``--once`` (here: the model, made to fail) ends as exit 3, one line."""
    code = (
        "import sys, hatui.snapshot.run as run\n"
        "def boom(*a, **k):\n"
        "    raise KeyError('vnode9\\nsecond line')\n"
        "run.make_view = boom\n"
        "from hatui.cli import main\n"
        f"sys.exit(main(['--once', '--replay', {str(HEALTHY)!r}]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    line = assert_unknown(out)
    assert line == "hatui: internal error: KeyError: 'vnode9\\nsecond line'"


# -- command line ----------------------------------------------------------------------------------


def test_help_lists_the_sub_commands() -> None:
    out = hatui("--help")
    assert out.returncode == 0
    listed = out.stdout.split("sub-commands:", 1)[1]
    assert "capture" in listed and "log" in listed


@pytest.mark.parametrize(
    "args",
    [
        ["--config", "{cfg}", "log", "--path", "{log}", "--json"],
        ["log", "--config", "{cfg}", "--path", "{log}", "--json"],
        ["log", "--json", "--path", "{log}", "--cluster", "x", "-n", "1"],
    ],
)
def test_log_takes_options_before_or_after(tmp_path: Path, args: list[str]) -> None:
    cfg, log = tmp_path / "c.yaml", tmp_path / "audit.log"
    log.write_text(json.dumps({"action": "standby", "target": "vnode2"}) + "\n")
    out = hatui(*(a.format(cfg=cfg, log=log) for a in args))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["target"] == "vnode2"


def test_log_help_is_the_log_commands() -> None:
    out = hatui("log", "--help")
    assert out.returncode == 0 and "--path" in out.stdout


def test_once_does_not_go_with_a_sub_command(tmp_path: Path) -> None:
    out = hatui("--once", "capture", str(tmp_path / "c"), "--demo")
    # A usage error of a --once check is UNKNOWN (3), not argparse's 2 (CRITICAL to Nagios).
    assert out.returncode == 3 and "--once does not go with the capture sub-command" in out.stderr
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize("before", [True, False])
def test_capture_takes_demo_before_or_after(tmp_path: Path, before: bool) -> None:
    target = tmp_path / "cap"
    args = ["--demo", "capture", str(target)] if before else ["capture", str(target), "--demo"]
    out = hatui(*args)
    assert out.returncode == 0, out.stderr
    assert sorted(p.name for p in target.iterdir()) == ["manifest.json", "vnode1", "vnode2", "vnode3"]


def test_demo_and_replay_together_are_refused_across_the_sub_command(tmp_path: Path) -> None:
    out = hatui("--demo", "capture", str(tmp_path / "c"), "--replay", str(HEALTHY))
    assert out.returncode == 2 and "not allowed with" in out.stderr


def test_once_modes_unchanged() -> None:
    out = hatui("--once", "--format", "json", "--replay", str(HEALTHY), "--ignore", "stonith-disabled")
    assert out.returncode == 0 and json.loads(out.stdout)["health"]["status"] == "OK"


# -- the example config ----------------------------------------------------------------------------


def test_example_config_is_printed_and_parses(tmp_path: Path) -> None:
    out = hatui("--example-config")
    assert out.returncode == 0
    assert out.stdout == (ROOT / "config.example.yaml").read_text(encoding="utf-8")
    path = tmp_path / "config.yaml"
    path.write_text(out.stdout)
    config = load_config(path)
    assert "faculty" in config.clusters and config.cluster().name == "faculty"


def test_example_config_ships_in_the_wheel() -> None:
    """A wheel puts it where ``example_config_text`` looks first: inside the package."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert include["config.example.yaml"] == f"hatui/{cli.EXAMPLE_CONFIG}"


def test_example_config_read_from_inside_the_package(tmp_path: Path) -> None:
    """As a wheel install lays it out: hatui/ with the file beside __init__.py, no repository above."""
    pkg = tmp_path / "site" / "hatui"
    shutil.copytree(ROOT / "src" / "hatui", pkg, ignore=shutil.ignore_patterns("__pycache__"))
    (pkg / cli.EXAMPLE_CONFIG).write_text("# the packaged copy\n")
    code = "from hatui.cli import example_config_text; print(example_config_text(), end='')"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path / "site")},
        check=False,
    )
    assert out.stdout == "# the packaged copy\n", out.stderr


def test_no_config_points_at_the_example(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "HATUI_CONFIG"}
    env["HOME"] = str(tmp_path)
    out = hatui("--once", env=env)
    line = assert_unknown(out, "no config file", "--demo")
    assert "hatui --example-config > ~/.config/hatui/config.yaml" in line


def test_config_warnings_are_printed(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("clusters:\n  x:\n    nodes: [a]\nhealth:\n  ignore: [stonith-disabled]\n")
    cfg.chmod(0o666)
    assert load_config(cfg).warnings, "a world-writable config is expected to warn"
    out = hatui("--once", "--replay", str(HEALTHY), "--config", str(cfg))
    assert out.returncode == 0, out.stderr
    warnings = [line for line in out.stderr.splitlines() if line.startswith("hatui: warning: ")]
    assert warnings and str(cfg) in warnings[0]
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o666  # warned about, not changed
