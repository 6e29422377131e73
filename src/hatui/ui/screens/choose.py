"""Provides ChooseScreen: pick one of a few options (a target node, a split-brain victim).

The description above the list carries what the choice rests on (for a split-brain: both sides'
roles, out-of-sync amounts and where the VM runs). Escape chooses nothing. Options that cannot be
chosen are listed disabled with the reason in their label, so the admin sees why they are not offered.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from hatui.plaintext import clean_line
from hatui.ui.cells import plain, plain_line


class ChooseScreen(ModalScreen[str | None]):
    """Dismisses with the chosen option's id, or None."""

    DEFAULT_CSS = """
    ChooseScreen { align: center middle; }
    #choose-dialog {
        width: 90; max-width: 100%; height: auto; max-height: 80%;
        border: thick $accent; background: $panel; padding: 0 1;
    }
    #choose-title { text-style: bold; padding: 1 0 0 0; }
    #choose-description { color: $text; padding: 1 0; }
    #choose-options { height: auto; max-height: 12; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="choose-cancel")]

    def __init__(
        self,
        title: str,
        options: Sequence[tuple[str, str, bool]],
        description: Sequence[str] = (),
        *,
        highlight: str | None = None,
    ) -> None:
        """``options`` are ``(id, label, enabled)``; ``highlight`` is the id the cursor starts on."""
        super().__init__(classes="choose")
        self.title_text = title
        self.options = list(options)
        self.description = list(description)
        self.highlight = highlight

    def compose(self) -> ComposeResult:
        with Vertical(id="choose-dialog"):
            yield Static(plain_line(self.title_text), id="choose-title")
            if self.description:
                lines = "\n".join(clean_line(d) for d in self.description)
                yield Static(plain(lines), id="choose-description")
            yield OptionList(
                *(
                    Option(plain_line(label), id=oid, disabled=not enabled)
                    for oid, label, enabled in self.options
                ),
                id="choose-options",
            )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.focus()
        wanted = (
            self.highlight
            if self.highlight is not None
            else next((oid for oid, _, enabled in self.options if enabled), None)
        )
        if wanted is not None:
            for i, (oid, _, enabled) in enumerate(self.options):
                if oid == wanted and enabled:
                    options.highlighted = i

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        """Escape: no choice."""
        self.dismiss(None)
