"""The hatui lab: a real Pacemaker/Corosync cluster in namespaces, with emulated Xen and DRBD."""
