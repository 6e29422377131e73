"""Provides table cells and the words, symbols and colours that show state.

State is never shown by colour alone: each state has a symbol and a word, and colour only adds to
them (projectors and colour-blind viewers lose the colour, not the meaning). Colours come from the
current theme's variables (``$hatui-ok`` and friends), resolved once per theme into Rich styles,
because DataTable cells are Rich renderables and cannot reference CSS variables themselves.

Remote text (names, messages, outputs) reaches widgets only through ``cell``, ``plain``,
``plain_line`` and ``set_text``: each returns a Rich ``Text`` (never parsed as markup, so ``[/x]``
in an SSH disconnect message is shown, not read as a closing tag) of text passed through
``hatui.plaintext`` (so an ESC or a bidi override is shown escaped, never sent to the terminal).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rich.cells import cached_cell_len, cell_len
from rich.style import Style
from rich.text import Text
from textual.color import Color, ColorParseError
from textual.content import Content
from textual.css.scalar import Unit

from hatui.durations import fmt_age as fmt_age
from hatui.plaintext import clean_block, clean_line

OK = "✔"
WARN = "▲"
CRIT = "✖"
UNKNOWN = "?"
STALE = "⌛"
INFO = "·"
SETTLE = "↻"

#: Theme variables the console defines, and their defaults (any Textual theme then works).
THEME_DEFAULTS: dict[str, str] = {
    "hatui-ok": "$success",
    "hatui-degraded": "$warning",
    "hatui-failed": "$error",
    "hatui-stale": "$foreground-muted",
    "hatui-info": "$primary",
}

_SEVERITY_RANK = {"critical": 0, "warning": 1, "settling": 2, "info": 3}


class Cell(Text):
    """A Rich Text that knows how it sorts (a percentage sorts as a number, a severity by rank)."""

    sort_key: Any = None
    row_order: Any = ()
    """Set on a row's first cell: where the row goes when no column sort is chosen."""


def cell(text: str, style: str | Style = "", sort: Any = None) -> Cell:
    """Returns a cell showing ``text`` as inert text; ``sort`` defaults to the lower-cased text."""
    c = Cell(clean_line(text), style=style, no_wrap=True, end="")
    c.sort_key = sort if sort is not None else text.lower()
    return c


@dataclass(frozen=True, slots=True)
class Palette:
    """Rich styles for the semantic colours of the current theme."""

    ok: Style
    warn: Style
    crit: Style
    stale: Style
    info: Style

    @classmethod
    def from_variables(cls, variables: Mapping[str, str]) -> Palette:
        """Resolves ``hatui-*`` theme variables (which may point at other variables) to styles."""

        def style(name: str, *, bold: bool = False) -> Style:
            value = variables.get(name, THEME_DEFAULTS.get(name, ""))
            for _ in range(5):
                if not value.startswith("$"):
                    break
                value = variables.get(value[1:], "")
            try:
                color = Color.parse(value.split()[0]) if value else None
            except ColorParseError:
                color = None
            return Style(color=color.rich_color if color else None, bold=bold)

        return cls(
            ok=style("hatui-ok"),
            warn=style("hatui-degraded", bold=True),
            crit=style("hatui-failed", bold=True),
            stale=style("hatui-stale") + Style(dim=True),
            info=style("hatui-info"),
        )

    @classmethod
    def plain(cls) -> Palette:
        """A palette with no colours (used before a theme is known)."""
        return cls(Style(), Style(bold=True), Style(bold=True), Style(dim=True), Style())

    def severity(self, severity: str) -> Style:
        """Style for ``critical``, ``warning`` or anything else."""
        return {"critical": self.crit, "warning": self.warn, "settling": self.warn}.get(severity, self.info)


def plain(text: str, style: str | Style = "") -> Text:
    """Lines of remote text for a Static or a dialog: never markup, control characters escaped."""
    return Text(clean_block(text), style=style)


def plain_line(text: str, style: str | Style = "") -> Text:
    """One line of remote text (a name, a message): never markup, every control character escaped."""
    return Text(clean_line(text), style=style)


def plain_content(text: str) -> Content:
    """``plain_line`` for the widgets that take Textual Content (tab labels, palette prompts)."""
    return Content(clean_line(text))


def set_text(widget: Any, text: str) -> None:
    """``Static.update`` only when the text changed, and with a layout only when its shape did.

    A layout pass re-arranges the whole screen (and redraws the tables' scroll bars); the header's
    ages change every second ("3s" to "4s") without changing the width of a line.
    """
    if getattr(widget, "hatui_text", None) != text:
        widget.hatui_text = text
        # Plain Text: cluster output may hold brackets that markup would try to parse.
        shown = plain(text)
        shape = [cell_len(line) for line in shown.plain.split("\n")]
        layout = getattr(widget, "hatui_shape", None) != shape and sized_by_content(widget)
        widget.hatui_shape = shape
        widget.update(shown, layout=layout)


def sized_by_content(widget: Any) -> bool:
    """False when the widget's size is set whatever it shows (``#problem-line``: the whole width,
    one row high): a text of another shape then needs no layout pass of the screen."""
    styles = getattr(widget, "styles", None)
    if styles is None:
        return True
    width, height = styles.width, styles.height
    fixed_width = width is None or width.unit is Unit.CELLS  # None: as wide as its container
    return not (fixed_width and height is not None and height.unit is Unit.CELLS)


#: Most text widths kept between trims of Rich's width cache (``trim_width_cache``).
WIDTH_CACHE_CAP = 512


def trim_width_cache(cap: int = WIDTH_CACHE_CAP) -> bool:
    """Empties Rich's cache of text widths once it holds more than ``cap`` strings; True if it did.

    Textual measures every string it lays out through ``rich.cells.cached_cell_len``, a cache of
    4,096 strings of any length. A console's texts change with the clock (ages, stamps, counters),
    so the cache fills with strings never shown again: about one a second on a quiet cluster, so
    it grows for over an hour before its own limit holds (measured: the console grew ~100 KiB a
    minute, linearly, polling the lab). Called once a second, this keeps it at a few hundred
    strings; measuring a short string again costs microseconds.
    """
    if cached_cell_len.cache_info().currsize <= cap:
        return False
    cached_cell_len.cache_clear()
    return True


def severity_cell(severity: str, palette: Palette) -> Cell:
    """``✖ CRIT``, ``▲ WARN``, ``↻ SETTLING`` or ``· info``; sorts worst first."""
    word = {"critical": f"{CRIT} CRIT", "warning": f"{WARN} WARN", "settling": f"{SETTLE} SETTLING"}
    return cell(
        word.get(severity, f"{INFO} info"), palette.severity(severity), sort=_SEVERITY_RANK.get(severity, 3)
    )


def severity_mark(severity: str) -> str:
    """The symbol of a problem's severity: ``✖``, ``▲``, ``↻`` or ``·``."""
    return {"critical": CRIT, "warning": WARN, "settling": SETTLE}.get(severity, INFO)


def health_word(status: str) -> str:
    """``✔ OK``, ``▲ WARNING``, ``✖ CRITICAL`` or ``? UNKNOWN``."""
    sym = {"OK": OK, "WARNING": WARN, "CRITICAL": CRIT}.get(status, UNKNOWN)
    return f"{sym} {status}"


def no_problems_word(status: str) -> str:
    """What to say when the problem list is empty: ``✔ no problems`` only when the verdict is OK.

    Beside ``UNKNOWN`` (no node answered yet, or none could be read) an empty list means nothing
    is known, not that all is well.
    """
    if status == "OK":
        return f"{OK} no problems"
    if status == "UNKNOWN":
        return f"{UNKNOWN} UNKNOWN: nothing known yet"
    return f"{health_word(status)}: no problem listed"


def fmt_eta(seconds: int | None) -> str:
    """``ETA 0:05:00`` or an empty string."""
    if seconds is None:
        return ""
    return f"ETA {seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def fmt_speed(kib_s: int | None) -> str:
    """``58.0 MiB/s`` (or KiB/s) or an empty string."""
    if kib_s is None:
        return ""
    if kib_s < 1024:
        return f"{kib_s} KiB/s"
    mib = kib_s / 1024
    return f"{mib:.0f} MiB/s" if mib >= 10 else f"{mib:.1f} MiB/s"


def progress_bar(percent: float, width: int = 12) -> str:
    """``██████░░░░░░ 41.2%``: the bar shows progress without colour."""
    pct = min(100.0, max(0.0, percent))
    full = int(round(pct / 100 * width))
    return f"{'█' * full}{'░' * (width - full)} {pct:.1f}%"


def fmt_mib(mib: int | None) -> str:
    """``512M`` / ``2.0G`` or ``-``."""
    if mib is None:
        return "-"
    return f"{mib / 1024:.1f}G" if mib >= 1024 else f"{mib}M"
