"""Provides the keybound actions: command builders, safety checks, plans, preview, runner and audit.

Layers, from pure to effectful: ``commands`` and ``commands_drbd`` build argv lists per stack
version; ``safety`` and ``settle`` judge a ``ClusterView``; ``plans``, ``plans_resource``,
``plans_drbd``, ``move``, ``splitbrain`` and ``sessions`` turn an action on a target into a
``Plan``; ``catalog`` (with ``spec``) names each action's planner and safety checks, and is the
only place that tells actions apart; ``marking`` makes a move or ban announce itself in the CIB
while it runs (the in-flight marker, ``hatui.model.inflight``); ``preview`` asks Pacemaker's own
scheduler what a plan would do; ``runner`` executes a plan through the nodes' transports (refusing
writes in a read-only cluster, ``readonly``), waits for the cluster to settle, always removes the
marker and writes the ``audit`` log; ``console`` hands the terminal to a VM console or a node shell.
"""
