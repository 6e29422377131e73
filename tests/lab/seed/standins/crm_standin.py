#!/usr/bin/python3
"""Provides the seed lab's ``crm`` (the crm shell of Pacemaker 1.0.9): not written yet, it fails."""

import sys

sys.stderr.write("seed lab: the crm shell stand-in is not available yet\n")
sys.exit(1)
