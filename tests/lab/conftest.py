"""Provides the lab fixtures: ``lab`` (one real cluster per test session) and ``healthy_lab``;
the seed lab's ``seed_lab`` / ``healthy_seed_lab``; ``any_lab``, either of them healthy.

``lab`` is a ``tests.lab.harness.Lab`` that is up: three nodes ``vnode1..3`` on 127.0.0.2-4,
``vm1`` on vnode1 and ``vm2`` on vnode3 with vnode2 as the spare. Use ``lab.nodes``,
``lab.addresses``, ``lab.ssh_ports``, ``lab.config_path`` (hatui YAML, cluster ``lab``),
``lab.vms``, ``lab.run(node, cmd)`` (nsenter), ``lab.ssh(node, cmd)``, ``lab.status()`` and the
faults (``kill``, ``restart``, ``freeze``/``thaw``, ``kill_sshd``/``start_sshd``, ``hang``,
``fail_monitor``, ``split_brain``). Tests share the cluster: ask for ``healthy_lab`` to start
from a healed cluster with every VM at home. The lab tests skip (one line saying why) only when
not root or when pacemaker/corosync are missing; with ``HATUI_LAB_REQUIRED=1`` (CI) they fail.

``seed_lab`` is a ``tests.lab.seed.harness.SeedLab``: real Pacemaker 1.0.9 over heartbeat, the same
shape and vocabulary on 127.0.2.1-3 inside its own network namespace (built by
``tests/lab/seed/build.sh``; the fixture waits for a build in progress). ``healthy_seed_lab`` and
``any_lab`` (parametrized ``modern``/``seed``) run the test's thread inside that namespace, so
hatui's SSH connections and the subprocesses the test starts reach the seed nodes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from . import cleanup
from .harness import Lab, LabError, missing_prerequisites
from .seed import netns
from .seed import teardown as seed_teardown
from .seed.harness import SeedLab
from .seed.harness import missing_prerequisites as seed_missing

L = TypeVar("L", bound=Lab)


def require_lab(check: Callable[[], str | None] = missing_prerequisites) -> None:
    """Skips (or, under HATUI_LAB_REQUIRED=1, fails) the test when the lab cannot run here."""
    why = check()
    if why is None:
        return
    if os.environ.get("HATUI_LAB_REQUIRED"):
        pytest.fail(f"HATUI_LAB_REQUIRED is set but the lab cannot run: {why}")
    pytest.skip(f"lab: {why}")


def _one_per_session(
    make: Callable[[], L], sweep: Callable[..., list[Path]], teardown: Callable[[Path], list[str]]
) -> Iterator[L]:
    """Tears down the labs a killed run left, starts one, yields it and checks its tear-down."""
    for stale in sweep(owner="pytest"):
        teardown(stale)
    the_lab = make()
    try:
        the_lab.up()
        yield the_lab
    finally:
        problems = the_lab.down()
    assert not problems, f"{type(the_lab).__name__} tear-down left:\n" + "\n".join(problems)


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    require_lab()
    yield from _one_per_session(Lab, cleanup.stale_labs, cleanup.teardown_state)


@pytest.fixture
def healthy_lab(lab: Lab) -> Lab:
    """The session's lab, healed: every fault undone, every VM on its home node, DRBD in sync.

    If healing fails (a previous test left the cluster in a state it cannot undo), every node is
    rebooted once so that one broken test does not fail all the following ones.
    """
    return _healed(lab)


@pytest.fixture(scope="session")
def seed_lab() -> Iterator[SeedLab]:
    require_lab(seed_missing)
    yield from _one_per_session(SeedLab, seed_teardown.stale_labs, seed_teardown.teardown_state)


def _healed(lab: Lab) -> Lab:
    try:
        lab.ensure_healthy(rebalance=True)
    except LabError:
        lab.reboot_all()
        lab.ensure_healthy(rebalance=True)
    return lab


@pytest.fixture
def healthy_seed_lab(seed_lab: SeedLab) -> Iterator[SeedLab]:
    """The session's seed lab, healed, with the test's thread inside its network namespace."""
    _healed(seed_lab)
    with netns.inside(seed_lab.netns_path):
        yield seed_lab


@pytest.fixture(params=["modern", "seed"])
def any_lab(request: pytest.FixtureRequest) -> Lab:
    """``healthy_lab`` (Pacemaker 2.1) or ``healthy_seed_lab`` (Pacemaker 1.0.9): same vocabulary."""
    name = "healthy_lab" if request.param == "modern" else "healthy_seed_lab"
    lab: Lab = request.getfixturevalue(name)
    return lab


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Marks every test that runs on the seed lab ``seedlab``, so that the test command can run the
    two labs in separate processes side by side (``-m seedlab`` / ``-m "not seedlab"``)."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        callspec = getattr(item, "callspec", None)
        on_seed = callspec is not None and callspec.params.get("any_lab") == "seed"
        if on_seed or "seed_lab" in names:
            item.add_marker(pytest.mark.seedlab)
