"""Provides ``SHELLS``: the POSIX shells on this machine that a node's ``sh`` may be, as test params."""

from __future__ import annotations

import shutil

import pytest

SHELLS = [
    pytest.param([path, *extra], id=name)
    for name, path, extra in [
        ("dash", shutil.which("dash"), []),
        ("bash", shutil.which("bash"), []),
        # bash in POSIX mode differs (ulimit's units, for one): as a node's /bin/sh -> bash runs it.
        ("bash-posix", shutil.which("bash"), ["--posix"]),
        ("busybox", shutil.which("busybox"), ["sh"]),
    ]
    if path is not None
]
