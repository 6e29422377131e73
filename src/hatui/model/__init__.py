"""Provides the typed cluster model: frozen dataclasses built by the parsers, and the ClusterView."""
