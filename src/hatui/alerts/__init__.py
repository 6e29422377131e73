"""Alerts that reach a person: a cluster's ``alerts:`` rules (``rules``), which alerts a verdict
calls for (``engine``, pure), what they say (``payload``: ``hatui.alert/1`` JSON, mail), how they
are delivered without holding up the polling (``dispatch``), and the poll listener (``listener``).

Importing this package loads nothing: ``hatui.config`` reads rules through ``hatui.alerts.rules``.
"""
