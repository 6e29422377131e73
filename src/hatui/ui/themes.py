"""Provides the hatui themes: the built-in default and YAML theme files.

Theme files are read from the repository's ``themes/`` folder (or the copy installed beside this
package) and from ``~/.config/hatui/themes/``; a user file with the same name wins. A file that
cannot be used is reported (file and reason) and skipped, so a typo never stops the console: the
app falls back to ``hatui-dark`` and says why in a notification.

A theme file holds the keys of ``textual.theme.Theme`` (``name``, ``primary``, ``background``...,
``dark``) and ``variables``, where the hatui state colours (``hatui-ok``, ``hatui-degraded``,
``hatui-failed``, ``hatui-stale``, ``hatui-info``) can be set.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from textual.color import Color, ColorParseError
from textual.theme import Theme

DEFAULT_THEME = "hatui-dark"
WALL_THEME = "hatui-wall"

_COLOUR_KEYS = ("primary", "secondary", "warning", "error", "success", "accent",
                "foreground", "background", "surface", "panel", "boost")  # fmt: skip
_KEYS = {"name", "dark", "luminosity_spread", "text_alpha", "variables", *_COLOUR_KEYS}

#: Used when no theme file can be found (a wheel install without the themes folder).
BUILTIN_DARK = Theme(
    name=DEFAULT_THEME,
    primary="#5f87d7",
    secondary="#87afd7",
    accent="#d7af5f",
    foreground="#dadada",
    background="#121212",
    surface="#1c1c1c",
    panel="#262626",
    success="#5faf5f",
    warning="#d7af00",
    error="#ff5f5f",
    dark=True,
)


@dataclass(frozen=True, slots=True)
class ThemeProblem:
    """A theme file that could not be used."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def theme_dirs(home: Path | None = None) -> list[Path]:
    """Folders searched for theme files, later ones overriding earlier ones."""
    here = Path(__file__).resolve()
    repo = here.parents[3] / "themes"
    packaged = here.parent / "themes"
    user = (home or Path.home()) / ".config" / "hatui" / "themes"
    return [d for d in (packaged, repo, user) if d.is_dir()]


def load_theme_file(path: Path) -> Theme:
    """Reads one YAML theme file.

    Raises:
        ValueError: naming what is wrong (unreadable file, bad YAML, unknown key, bad colour).
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise ValueError(f"not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(data, dict):
        raise ValueError("expected a mapping of theme keys")
    unknown = sorted(str(k) for k in data if k not in _KEYS)
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r} (allowed: {', '.join(sorted(_KEYS))})")
    kw: dict[str, Any] = {"name": str(data.get("name") or path.stem)}
    if "primary" not in data:
        raise ValueError("'primary' is required")
    for key in _COLOUR_KEYS:
        if key in data:
            kw[key] = _colour(data[key], key)
    if "dark" in data:
        if not isinstance(data["dark"], bool):
            raise ValueError("'dark' must be true or false")
        kw["dark"] = data["dark"]
    for key in ("luminosity_spread", "text_alpha"):
        if key in data:
            if not isinstance(data[key], int | float) or isinstance(data[key], bool):
                raise ValueError(f"{key!r} must be a number")
            kw[key] = float(data[key])
    variables = data.get("variables") or {}
    if not isinstance(variables, dict):
        raise ValueError("'variables' must be a mapping of name to value")
    kw["variables"] = {str(k): str(v) for k, v in variables.items()}
    return Theme(**kw)


def _colour(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{key!r}: expected a colour, got {value!r}")
    try:
        Color.parse(value)
    except ColorParseError as exc:
        raise ValueError(f"{key!r}: {value!r} is not a colour") from exc
    return value


def load_themes(dirs: Iterable[Path]) -> tuple[dict[str, Theme], list[ThemeProblem]]:
    """Every usable theme in ``dirs`` (by name) and the files that were not usable."""
    themes: dict[str, Theme] = {DEFAULT_THEME: BUILTIN_DARK}
    problems: list[ThemeProblem] = []
    for d in dirs:
        for path in sorted(d.glob("*.y*ml")):
            try:
                theme = load_theme_file(path)
            except ValueError as exc:
                problems.append(ThemeProblem(path, str(exc)))
                continue
            themes[theme.name] = theme
    return themes, problems
