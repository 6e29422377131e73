"""The alert tests feed a real ClusterState with the reference-shaped captures of ``tests/ui/ui_cluster``."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ui"))
