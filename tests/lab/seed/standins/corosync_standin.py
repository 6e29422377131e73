#!/usr/bin/python3
"""Provides the seed lab's ``corosync``, for its version only: ``corosync -v`` as 1.2.1 prints it.

The seed lab's messaging layer is heartbeat (Corosync 1.2.1 knows only multicast and broadcast,
which a loopback lab cannot offer), so the daemon itself is not here: anything but ``-v`` says so
and fails. Text from corosync v1.2.1 exec/main.c (the ``-v`` branch).
"""

from __future__ import annotations

import sys

VERSION = (
    "Corosync Cluster Engine, version '1.2.1' SVN revision '2723'\nCopyright (c) 2006-2009 Red Hat, Inc.\n"
)

if __name__ == "__main__":
    if sys.argv[1:] == ["-v"]:
        sys.stdout.write(VERSION)
        sys.exit(0)
    sys.stderr.write("seed lab: only `corosync -v` is provided (the cluster runs over heartbeat)\n")
    sys.exit(1)
