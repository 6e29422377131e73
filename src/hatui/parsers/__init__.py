"""Provides the pure parsers: command output (text or XML) in, frozen model dataclasses out."""
