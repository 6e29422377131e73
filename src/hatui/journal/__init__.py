"""Provides the journal: what a flight recorder keeps of a cluster (``hatui.journal.store``), and
its readers and writers. Importing the package loads nothing: ``hatui --once`` never pays for it."""
