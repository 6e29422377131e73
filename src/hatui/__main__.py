"""Allows ``python -m hatui``."""

from hatui.cli import main

raise SystemExit(main())
