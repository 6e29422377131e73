"""Provides the transports that run commands on nodes: SSH, local, demo and replay."""
