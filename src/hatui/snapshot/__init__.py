"""Provides the ``--once`` snapshot: data shapes and renderings with no Textual import."""
