"""hatui: a terminal operations console for Pacemaker + Corosync + DRBD + Xen clusters."""

import warnings

# cryptography 51 deprecates DSA and warns when asyncssh imports its DSA support; hatui offers no
# DSA key of its own, and its stderr must hold only its own lines (one-line errors, --once checks).
warnings.filterwarnings("ignore", message="DSA is deprecated")

__version__ = "0.1.0"
