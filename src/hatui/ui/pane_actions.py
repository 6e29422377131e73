"""Provides the action keys of the panes: their bindings and the ``action_<name>`` methods behind them.

Both come from ``hatui.actions.catalog``, so a key cannot exist without its action being in
``WRITE_ACTIONS`` (hidden and refused in read-only mode) and in the palette. Each method hands the
highlighted row's key to the app's ActionController (``app.actions``), which resolves it per pane.
This module imports no widget, so the panes can import it.
"""

from __future__ import annotations

from typing import Any

from textual.binding import Binding, BindingType

from hatui.actions.catalog import CATALOG, for_kind


def bindings(*kinds: str) -> list[BindingType]:
    """The action bindings of a pane whose rows are of ``kinds`` (``node``, ``resource``...)."""
    return [
        Binding(
            s.key,
            s.name,
            s.label.replace(" {} to {}", "")
            .replace(" {} from {}", "")
            .replace(" {} on {}", "")
            .replace(" {}", "")
            .replace(" of", ""),
            tooltip=s.description,
            id=s.binding_id,
            show=s.footer,
            group=Binding.Group("Actions"),
        )
        for s in for_kind(*kinds)
    ]


class PaneActions:
    """Mixed into the panes: ``action_<name>`` asks the controller about the highlighted row."""

    def _act(self, action: str) -> None:
        pane: Any = self
        controller = getattr(pane.app, "actions", None)
        if controller is not None:
            controller.from_pane(action, pane.id or "", pane._cursor_key())


def _pane_action(name: str) -> Any:
    def action(self: PaneActions) -> None:
        self._act(name)

    action.__name__ = f"action_{name}"
    action.__doc__ = CATALOG[name].description
    return action


for _spec in CATALOG.values():
    setattr(PaneActions, f"action_{_spec.name}", _pane_action(_spec.name))
