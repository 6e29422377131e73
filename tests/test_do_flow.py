"""``hatui do`` in-process, where a subprocess cannot set the scene: a read-only cluster, a cluster
that changes while the admin reads the plan, remote text with control characters.

The cluster is a real demo (its transports, the project's collectors, parsers, planners, preview,
runner and audit log); only the terminal is a stand-in that answers the questions.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from hatui.config import ClusterConfig
from hatui.demo import DemoCluster
from hatui.do.flow import EXIT_DONE, EXIT_FAILED, EXIT_REFUSED, DoArgs, Terminal, act
from hatui.do.report import PlanReport, Step
from hatui.errors import HatuiError
from hatui.snapshot.once import SourceChoice
from hatui.sources.make import demo_config


class Answers(io.StringIO):
    """A terminal's standard input: ``before_answer`` runs when a question is asked."""

    def __init__(self, text: str, before_answer: Callable[[], None] = lambda: None) -> None:
        super().__init__(text)
        self.before_answer = before_answer

    def isatty(self) -> bool:
        return True

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        self.before_answer()
        return super().readline()


def demo_cluster(mode: str = "operator", generation: str = "seed") -> tuple[DemoCluster, ClusterConfig]:
    base = demo_config().cluster()
    cluster = ClusterConfig(name=base.name, nodes=base.nodes, display_name=base.display_name, mode=mode)
    return DemoCluster(generation=generation), cluster


def audit(tmp_path: Path) -> list[dict[str, object]]:
    path = tmp_path / "hatui" / "audit.log"
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))


async def run(
    args: DoArgs, mode: str = "operator", stdin: io.StringIO | None = None, generation: str = "seed"
) -> tuple[int, str, DemoCluster]:
    demo, cluster = demo_cluster(mode, generation)
    out = io.StringIO()
    term = Terminal(out, io.StringIO(), stdin or io.StringIO())
    code = await act(args, cluster, {n.name: demo.transport(n.name) for n in cluster.nodes}, term)
    return code, out.getvalue(), demo


DEMO = SourceChoice(demo=True)


async def test_a_read_only_cluster_refuses_a_run_even_with_yes(tmp_path: Path) -> None:
    code, out, _ = await run(DoArgs("cleanup", "sentinel", DEMO, yes=True, fmt="json"), "read-only")
    assert code == EXIT_REFUSED
    doc = json.loads(out)
    assert "read-only" in doc["refused"] and doc["outcome"] is None
    assert [r["event"] for r in audit(tmp_path)] == ["refused"]


async def test_a_read_only_cluster_shows_the_plan_of_a_dry_run(tmp_path: Path) -> None:
    args = DoArgs("move", "sentinel", DEMO, to="vnode2", dry_run=True, fmt="json")
    code, out, _ = await run(args, "read-only")
    assert code == EXIT_DONE
    doc = json.loads(out)
    assert doc["refused"] is None and doc["steps"]
    assert "read-only" in doc["warnings"][0]
    assert audit(tmp_path) == []


async def test_a_read_only_cluster_still_answers_why(tmp_path: Path) -> None:
    code, out, _ = await run(DoArgs("why", "sentinel", DEMO, yes=True), "read-only")
    assert code == EXIT_DONE, out
    # The seed demo's Pacemaker 1.0.9 has no --why: hatui's answer from its scores and constraints.
    assert "sentinel: highest score on vnode1 (INFINITY)" in out


async def test_a_command_that_fails_exits_2_with_the_reason(tmp_path: Path) -> None:
    demo_box: list[DemoCluster] = []

    def cluster_changes() -> None:
        # While the admin reads the plan, the resource loses its connection: verify cannot start.
        demo_box[0].inject("split-brain", "sentinel-root")

    demo, cluster = demo_cluster()
    demo_box.append(demo)
    out = io.StringIO()
    term = Terminal(out, io.StringIO(), Answers("y\n", cluster_changes))
    args = DoArgs("drbd-verify", "sentinel-root", DEMO, node="vnode1")
    code = await act(args, cluster, {n.name: demo.transport(n.name) for n in cluster.nodes}, term)
    assert code == EXIT_FAILED, out.getvalue()
    assert "FAILED: `drbdadm verify sentinel-root` on vnode1 exited 11" in out.getvalue()
    assert [r["event"] for r in audit(tmp_path)] == ["start", "end"]
    assert audit(tmp_path)[-1]["ok"] is False


async def test_concerns_need_their_own_yes_on_a_terminal(tmp_path: Path) -> None:
    # Standby of vnode3 stops two VMs (the scene of the issue, on the modern demo's vnode3-only VMs).
    code, out, _ = await run(DoArgs("standby", "vnode3", DEMO), stdin=Answers("n\n"), generation="modern")
    assert code == EXIT_REFUSED
    assert out.index("⚠ 2 VMs will STOP") < out.index("commands:")
    assert "not confirmed (the concerns were not overridden)" in out


def test_remote_text_is_inert_in_text_and_json() -> None:
    r = PlanReport("stop", "vm\x1b[2J", "c\u202e")
    r.warnings.append("bad \x1b]52;c;AAAA\x07 name")
    r.steps.append(Step("n\x1b", ("echo", "\x9b31m")))
    text = "\n".join(r.plan_lines())
    assert "\x1b" not in text and "\x9b" not in text and "\u202e" not in text
    assert "\\x1b]52" in text
    doc = r.json_text()
    assert doc.isascii()
    assert json.loads(doc)["warnings"] == ["bad \x1b]52;c;AAAA\x07 name"]


async def test_a_resource_another_hatui_is_moving_is_refused(tmp_path: Path) -> None:
    # A console's move is running (its in-flight marker is in the CIB): hatui do sees it and refuses.
    import asyncio

    from hatui.actions.audit import AuditLog
    from hatui.actions.move import plan_move
    from hatui.actions.plans import ActionContext
    from hatui.actions.runner import CollectorObserver, Runner
    from hatui.sources.fanout import make_collectors

    base = demo_config().cluster()
    demo = DemoCluster(now=lambda: 0.0)  # frozen demo time: the console's move never settles
    transports = {n.name: demo.transport(n.name) for n in base.nodes}
    observer = CollectorObserver(make_collectors(base, transports), base)  # type: ignore[arg-type]
    console = Runner(base, transports, observer, audit=AuditLog(tmp_path / "console.log"), poll_interval=0.02)
    waiting = asyncio.Event()
    plan = plan_move(ActionContext(await observer.observe(), base), "sentinel", "vnode2")
    task = asyncio.create_task(
        console.run(plan, lambda t: waiting.set() if t.startswith("waiting") else None)
    )
    try:
        await asyncio.wait_for(waiting.wait(), 10)
        out = io.StringIO()
        args = DoArgs("move", "sentinel", DEMO, to="vnode3", yes=True, fmt="json")
        code = await act(args, base, transports, Terminal(out, io.StringIO(), io.StringIO()))
        assert code == EXIT_REFUSED, out.getvalue()
        refused = json.loads(out.getvalue())["refused"]
        assert "sentinel is being moved by hatui" in refused, refused
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_on_a_terminal_a_move_the_rules_refuse_offers_the_pinned_move(tmp_path: Path) -> None:
    import time

    t0 = time.monotonic()
    base = demo_config().cluster()
    # Demo time runs 40x faster; the modern demo's elearning may run on vnode3 only.
    demo = DemoCluster(now=lambda: (time.monotonic() - t0) * 40, generation="modern")
    transports = {n.name: demo.transport(n.name) for n in base.nodes}
    out, err = io.StringIO(), io.StringIO()
    term = Terminal(out, err, Answers("y\ny\ny\n"))  # the pinned move, its concerns, run
    code = await act(DoArgs("move", "elearning", DEMO, to="vnode1"), base, transports, term)
    assert "refused: vnode1: no location constraint allows elearning there" in err.getvalue()
    assert "Instead: " in err.getvalue() and "pinned there? [y/N]" in err.getvalue()
    assert code == EXIT_DONE, out.getvalue() + err.getvalue()
    assert "pinned there by hatui-pin-elearning-on-vnode1" in out.getvalue()
    assert [r["event"] for r in audit(tmp_path)] == ["refused", "start", "end"]


async def test_without_a_terminal_the_pinned_move_is_only_named(tmp_path: Path) -> None:
    code, out, _ = await run(DoArgs("move", "elearning", DEMO, to="vnode1", yes=True), generation="modern")
    assert code == EXIT_REFUSED
    assert "only a pinned move (it keeps its preference) can go there" in out
    assert [r["event"] for r in audit(tmp_path)] == ["refused"]


class Breaks:
    """A demo node's transport on which one command fails with an error hatui cannot classify."""

    def __init__(self, inner: object, word: str) -> None:
        self.inner: Any = inner
        self.node = self.inner.node
        self.word = word

    async def run(self, argv: Sequence[str], *, timeout: float, stdin: str | None = None) -> object:
        if self.word in argv:
            raise HatuiError("the node answered something nobody expected")
        return await self.inner.run(argv, timeout=timeout, stdin=stdin)

    async def run_batch(self, commands: object, *, timeout: float, guard: Any = None) -> object:
        return await self.inner.run_batch(commands, timeout=timeout, guard=guard)

    async def close(self) -> None:
        await self.inner.close()


async def test_an_error_while_running_exits_2_not_3(tmp_path: Path) -> None:
    demo, cluster = demo_cluster(generation="modern")  # its cleanup is crm_resource --cleanup
    transports: dict[str, Any] = {n.name: Breaks(demo.transport(n.name), "--cleanup") for n in cluster.nodes}
    out = io.StringIO()
    code = await act(
        DoArgs("cleanup", "sentinel", DEMO, yes=True, fmt="json"),
        cluster,
        transports,
        Terminal(out, io.StringIO(), io.StringIO()),
    )
    assert code == EXIT_FAILED
    outcome = json.loads(out.getvalue())["outcome"]
    assert outcome["ok"] is False and "nobody expected" in outcome["message"]
    assert [r["event"] for r in audit(tmp_path)] == ["start", "end"]
