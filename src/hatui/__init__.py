"""hatui: a terminal operations console for Pacemaker + Corosync + DRBD + Xen clusters."""

__version__ = "0.1.0"
