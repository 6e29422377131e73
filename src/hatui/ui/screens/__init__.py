"""Provides the console's screens: main panes, row detail and the wall layout."""
