"""Provides the messages the poll workers and the actions post to the app."""

from __future__ import annotations

from textual.message import Message

from hatui.model.capture import NodeCapture
from hatui.model.report import NodeReport


class NodePolled(Message):
    """One poll of one node finished (successfully or not: the report says which), already parsed."""

    def __init__(
        self, cluster: str, report: NodeReport, capture: NodeCapture | None = None, *, heard: bool = False
    ) -> None:
        super().__init__()
        self.cluster = cluster
        self.report = report
        self.capture = capture
        """The raw capture the report came from, for the listeners (the flight recorder)."""
        self.heard = heard
        """Listeners hear every poll (a journal keeps each one): then none is replaced while queued."""

    @property
    def node(self) -> str:
        """The polled node."""
        return self.report.node

    def can_replace(self, message: Message) -> bool:
        """A newer poll of the same node supersedes an older one still queued (unless listeners
        must hear every poll)."""
        return (
            isinstance(message, NodePolled)
            and not message.heard
            and message.cluster == self.cluster
            and message.node == self.node
        )


class DetailRequested(Message):
    """A pane asks for the detail screen of one of its rows (or of its parse errors)."""

    def __init__(self, pane: str, key: str) -> None:
        super().__init__()
        self.pane = pane
        self.key = key


class ScreenShown(Message):
    """A screen came to the front and wants its content drawn now, not at the next poll."""


class ActionFinished(Message):
    """An action ended (or could not start): the app logs it in the Events pane and says so."""

    def __init__(self, cluster: str, action: str, target: str, ok: bool, outcome: str) -> None:
        super().__init__()
        self.cluster = cluster
        self.action = action
        self.target = target
        self.ok = ok
        self.outcome = outcome
