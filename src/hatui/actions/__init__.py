"""Provides the keybound actions: command builders, safety checks, plans, preview, runner and audit.

Layers, from pure to effectful: ``commands`` and ``commands_drbd`` build argv lists per stack
version; ``safety`` and ``settle`` judge a ``ClusterView``; ``plans``, ``move`` and ``splitbrain``
turn an action on a target into a ``Plan``; ``preview`` asks Pacemaker's own scheduler what a plan
would do; ``runner`` executes a plan through the nodes' transports, waits for the cluster to
settle and writes the ``audit`` log; ``console`` hands the terminal to a VM console or a node shell.
"""
