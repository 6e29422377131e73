"""Provides the Textual console: the interactive panes and the read-only wall screen."""
