"""Finds the real Pacemaker 1.0.9 build (the seed stack's tools), for tests that run them offline.

CI builds it before the tests (``tests/run_all.sh``) at ``/var/tmp/hatui-seed/prefix`` or wherever
``HATUI_SEED_PREFIX`` says; a machine without it skips these tests, saying so.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DEFAULT_PREFIX = Path("/var/tmp/hatui-seed/prefix")


def seed_prefix() -> Path:
    """The install prefix of the 1.0.9 build (``sbin/ptest`` under it); skips the test when absent."""
    from lab.seed.paths import wait_for_build  # tests/run_all.sh builds it in the background

    wait_for_build()
    prefix = Path(os.environ.get("HATUI_SEED_PREFIX") or DEFAULT_PREFIX)
    if not (prefix / "sbin" / "ptest").is_file():
        pytest.skip(
            f"the real Pacemaker 1.0.9 tools are not built at {prefix} "
            "(shared/seed-lab/build.sh; set HATUI_SEED_PREFIX to use another prefix)"
        )
    return prefix


def seed_path(prefix: Path, *, with_local_pacemaker: bool = True) -> str:
    """A PATH with the 1.0.9 tools first; without this machine's Pacemaker (``/usr/sbin``) when asked."""
    rest = os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep)
    if not with_local_pacemaker:
        rest = [d for d in rest if not (Path(d) / "crm_simulate").exists()]
    return os.pathsep.join([str(prefix / "sbin"), *rest])
