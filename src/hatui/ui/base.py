"""Provides ``ConsoleApp``, the App plumbing of the console that knows nothing of clusters, and
``run_console``.

- Toasts are plain text: hatui's carry node names, SSH errors and command output, which Textual
  would read as markup (``hatui.plaintext`` escapes control characters too).
- An unhandled error ends the console: the first is kept with its traceback saved to a file, and
  ``run_console`` prints one line naming both and returns ``EXIT_CRASH`` (``hatui.ui.crash``).
- Screenshots go where a server account can write (``hatui.ui.screenshot``), and a toast says where.
- Theme variables default to the theme's own colours; ``t`` cycles through the hatui themes.
"""

from __future__ import annotations

import io
import os
import sys
import traceback
from pathlib import Path

from textual import events, on
from textual.app import App
from textual.notifications import SeverityLevel

from hatui.plaintext import clean_block, clean_line
from hatui.ui.cells import THEME_DEFAULTS
from hatui.ui.crash import EXIT_CRASH, save_traceback
from hatui.ui.screenshot import SCREENSHOT, screenshot_dir, screenshot_name


class ConsoleApp(App[int]):
    """What every hatui console does, whatever it watches."""

    def __init__(self) -> None:
        super().__init__()
        if "TEXTUAL_ANIMATIONS" not in os.environ:
            # No sliding underlines or smooth scrolls unless asked for: a console watched over SSH
            # links and left on a wall for months gains nothing from them, and each frame of one is
            # output and CPU (a tab switch kept redrawing for 0.3 s after the pane was shown).
            self.animation_level = "none"
        self.crash: BaseException | None = None
        """The first unhandled exception, which ends the console (``run_console`` reports it)."""
        self.crash_log: Path | None = None
        """Where its full traceback was saved."""
        self.quit_when_screen_gone = False
        """Set by a browser wall: its screen is a pipe to the server, and once that is closed
        (the browser left, the server died) the process ends at once, quietly."""

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """A toast whose message is plain text unless ``markup`` is asked for.

        Textual reads a toast's message as markup by default; hatui's toasts carry node names,
        SSH errors and command output (``[vnode1] crm_resource ...``), so by default they are
        shown as written, with control characters escaped (``hatui.plaintext``).
        """
        text = message if markup else clean_block(message)
        super().notify(text, title=clean_line(title), severity=severity, timeout=timeout, markup=markup)

    # -- unhandled errors ---------------------------------------------------------------------------

    def _handle_exception(self, error: Exception) -> None:
        # Textual has no public hook for an unhandled exception (8.x): this is the one method
        # every such error passes through. Keep the first, save its traceback for run_console's line.
        if self.quit_when_screen_gone and screen_gone(error):
            # Nothing is wrong with hatui and nobody is left to draw for; a wall has no journal,
            # alerts or actions, so nothing is left half done. Textual's own exit would wait for
            # ever on the closed pipe, and a crash file per browser that left would bury real ones.
            os._exit(0)
        if self.crash is None:
            self.crash = error
            self.crash_log = save_traceback(error)
        super()._handle_exception(error)

    def _print_error_renderables(self) -> None:
        # After a crash run_console prints one line naming the saved traceback, not Textual's screenful.
        if self.crash is None:
            super()._print_error_renderables()

    # -- screenshots ----------------------------------------------------------------------------

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """Saves an SVG of the screen in ``screenshot_dir()`` unless ``path`` is given.

        Textual writes to ~/Downloads, which a server account seldom has; the toast says where
        the file went (see ``_screenshot_saved``).
        """
        filename = filename or screenshot_name(self.title)
        directory = Path(path) if path else screenshot_dir()
        return self.deliver_text(io.StringIO(self.export_screenshot()), save_directory=directory,
                                 save_filename=filename, open_method="browser",
                                 mime_type="image/svg+xml", name=SCREENSHOT)  # fmt: skip

    @on(events.DeliveryComplete)
    def _screenshot_saved(self, event: events.DeliveryComplete) -> None:
        if event.name == SCREENSHOT:
            self.notify(f"saved to {event.path}", title="Screenshot", timeout=10)

    @on(events.DeliveryFailed)
    def _screenshot_failed(self, event: events.DeliveryFailed) -> None:
        if event.name == SCREENSHOT:
            self.notify(f"not saved: {event.exception}", title="Screenshot", severity="error", timeout=10)

    # -- themes ---------------------------------------------------------------------------------

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """The hatui state colours, defaulting to the theme's own success/warning/error.

        CSS variable defaults cannot point at other variables, so ``$success`` and friends are
        looked up in the current theme's colour system here.
        """
        generated = self.current_theme.to_color_system().generate()
        return {name: generated.get(ref[1:], ref) for name, ref in THEME_DEFAULTS.items()}

    def action_next_theme(self) -> None:
        """Cycles through the hatui themes."""
        names = sorted(n for n in self.available_themes if n.startswith("hatui-"))
        if names:
            i = names.index(self.theme) + 1 if self.theme in names else 0
            self.theme = names[i % len(names)]
            self.notify(f"theme {self.theme}", timeout=2)


def screen_gone(error: BaseException) -> bool:
    """True for a closed pipe or connection met while Textual's driver wrote the screen."""
    if not isinstance(error, (BrokenPipeError, ConnectionResetError)):
        return False
    return any("/textual/drivers/" in frame.filename for frame in traceback.extract_tb(error.__traceback__))


def run_console(app: ConsoleApp, *, headless: bool = False) -> int:
    """Runs ``app``; after an unhandled error, prints one line to stderr and returns EXIT_CRASH."""
    result = app.run(headless=headless)
    if app.crash is not None or (app.return_code or 0) != 0:
        crash = app.crash
        what = f"{type(crash).__name__}: {crash}" if crash is not None else f"exit status {app.return_code}"
        where = f" (traceback in {app.crash_log})" if app.crash_log else ""
        sys.stderr.write(f"hatui: internal error: {clean_line(what)}{where}\n")
        return EXIT_CRASH
    return result if isinstance(result, int) else 0
