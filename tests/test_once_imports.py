"""What a cold ``hatui --once`` imports: only what its path needs.

Each case runs a real ``--once`` in a fresh interpreter through a small wrapper that prints the
modules loaded by the end, the way a cron job or a monitoring check starts hatui. Every module left
out is time a cold start does not spend before asking the first node.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from support import needs_shared
from support.sshd import CRM_MON_XML, SshdServer, install_stack_tools, sshd_factory

__all__ = ["sshd_factory"]  # the fixture, imported for pytest

HEALTHY = Path(__file__).resolve().parent / "replays" / "healthy"

#: Runs main(argv) and prints {"rc": exit code, "modules": [every module then loaded]}.
WRAPPER = """\
import contextlib, io, json, sys
from hatui.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    rc = main(sys.argv[1:])
print(json.dumps({"rc": rc, "modules": sorted(sys.modules)}))
"""


def _once(*args: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", WRAPPER, "--once", *args], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["rc"] in (0, 1, 2), "the replay was not judged"  # 3 would be an error
    return set(result["modules"])


def _loaded(modules: set[str], package: str) -> list[str]:
    return sorted(m for m in modules if m == package or m.startswith(package + "."))


def test_json_once_on_a_replay_imports_no_console_demo_actions_yaml_or_ssh() -> None:
    modules = _once("--format", "json", "--replay", str(HEALTHY))
    assert "hatui.snapshot.run" in modules  # the snapshot was made, and printed as JSON
    for package in ("textual", "rich", "hatui.ui", "hatui.demo", "hatui.actions", "hatui.do.flow"):
        assert not _loaded(modules, package), f"{package} imported"
    # A replay reads files: no config file to parse, no node to reach over SSH.
    for package in ("yaml", "asyncssh", "hatui.transport.ssh"):
        assert not _loaded(modules, package), f"{package} imported"


def test_only_the_parsers_of_the_outputs_present_are_imported() -> None:
    """The healthy replay holds crm_mon XML and /proc/drbd: no crm_mon text, no DRBD 9 parser."""
    modules = _once("--format", "json", "--replay", str(HEALTHY))
    assert {"hatui.parsers.crm_mon_xml", "hatui.parsers.proc_drbd"} <= modules
    assert "hatui.parsers.crm_mon_text" not in modules
    assert "hatui.parsers.drbd9" not in modules


@pytest.mark.parametrize("fmt", ["text", "yaml"])
def test_text_and_yaml_once_import_only_their_printer(fmt: str) -> None:
    modules = _once("--format", fmt, "--replay", str(HEALTHY))
    assert bool(_loaded(modules, "rich")) is (fmt == "text")
    assert bool(_loaded(modules, "yaml")) is (fmt == "yaml")
    for package in ("textual", "hatui.ui", "hatui.demo", "hatui.actions", "asyncssh"):
        assert not _loaded(modules, package), f"{package} imported"


#: Like WRAPPER, and also notes which modules were loaded when the collection returned.
WRAPPER_AT_COLLECT = """\
import contextlib, io, json, sys
import hatui.snapshot.once as once
from hatui.cli import main
collect, seen = once.collect, {}
def noting(*args, **kwargs):
    captures = collect(*args, **kwargs)
    seen["at_collect"] = sorted(sys.modules)
    return captures
once.collect = noting
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
    rc = main(sys.argv[1:])
print(json.dumps({"rc": rc, "out": out.getvalue(), **seen}))
"""


@needs_shared
def test_judging_and_printing_load_while_the_nodes_answer(
    tmp_path: Path, sshd_factory: Callable[..., SshdServer]
) -> None:
    """A node slow to answer: by the time its answers are in, the verdict and the text printer
    (rich) are already imported, so that the process spends no time on them afterwards."""
    server = sshd_factory("vnode1", start=False)
    slow = f"sleep 2; cat {shlex.quote(str(CRM_MON_XML))}"
    install_stack_tools(server.bin_dir, tmp_path / "calls", crm_mon_status=slow)
    server.start()
    known = tmp_path / "known_hosts"
    server.trust(known)
    config = tmp_path / "hatui.yaml"
    node = f"name: vnode1, host: {server.host}, port: {server.port}, identity_file: {server.client_key}"
    lines = ["clusters:", "  lab:", f"    known_hosts: {known}", "    nodes:"]
    lines.append(f"      - {{{node}, user: root}}")
    config.write_text("\n".join(lines) + "\n")

    out = subprocess.run(
        [sys.executable, "-c", WRAPPER_AT_COLLECT, "--once", "--format", "text", "--config", str(config)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["rc"] in (0, 1, 2) and "vnode1" in result["out"]  # a real snapshot was printed
    loaded = set(result["at_collect"])
    assert {"hatui.model.verdict", "hatui.snapshot.run", "hatui.snapshot.text", "rich.console"} <= loaded
