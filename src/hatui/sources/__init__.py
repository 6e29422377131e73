"""Provides what to run on each node, how often, and how a poll becomes a NodeCapture."""
