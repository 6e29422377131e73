"""Provides the watching side shared by the console, the recorder and the alerts: the memory of one
cluster between polls (``state``). Textual is never imported here."""
