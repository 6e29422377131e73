"""Provides ``hatui serve``: the read-only wall screen in a browser, for kiosk wall screens.

The server (``server``) speaks HTTP and WebSocket; each browser connection gets its own wall process
(``wall``: ``hatui --monitor`` built so that no action can start), driven through textual-serve's
process protocol and shown by its terminal front end. ``access`` decides who may look: loopback by
default, a password (HTTP basic auth) required anywhere else.
"""
