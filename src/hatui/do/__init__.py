"""Provides ``hatui do``: one console action from the command line, for runbooks and scripts.

``args`` defines the sub-command and ``--list``; ``target`` checks TARGET, ``--to`` and ``--node``
against what the nodes report; ``flow`` plans, previews, asks and runs through the console's own
catalog, runner and audit log; ``report`` prints the plan as text or as ``hatui.plan/1`` JSON.
Nothing here imports Textual.
"""
