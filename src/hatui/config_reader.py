"""Provides ``Reader``: the small strict validators ``load_config`` reads the file with.

Every error names the file and the dotted key (``clusters.prod.nodes[0].port: 70000 is not a TCP
port``); kept apart from ``hatui.config`` so that each section's reader (``config_backup``) can use
them without importing the whole configuration.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from hatui.errors import ConfigError

T = TypeVar("T")

#: The longest timeout or interval accepted, in seconds; more is a typo, and too large a number
#: for the node-side ``timeout`` command.
MAX_SECONDS = 86400.0


class Reader:
    """Small strict validators that name the file and the dotted key in every error."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, key: str, what: str) -> ConfigError:
        return ConfigError(f"{self.where}: {key or '(top level)'}: {what}")

    def mapping(
        self, value: Any, key: str, allowed: set[str] | None, *, required: bool = False
    ) -> dict[str, Any]:
        if value is None and not required:
            return {}
        if not isinstance(value, dict):
            raise self.fail(key, f"expected a mapping, got {type(value).__name__}")
        if allowed is not None:
            for k in value:
                if k not in allowed:
                    prefix = f"{key}." if key else ""
                    raise self.fail(f"{prefix}{k}", f"unknown key (allowed: {', '.join(sorted(allowed))})")
        return {str(k): v for k, v in value.items()}

    def typed(self, value: Any, key: str, kind: type[T]) -> T:
        # bool is an int in Python; "port: yes" must not pass as port 1.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(key, f"expected {kind.__name__}, got {value!r}")
        return value

    def opt(self, m: Mapping[str, Any], name: str, key: str, kind: type[T]) -> T | None:
        if m.get(name) is None:
            return None
        return self.typed(m[name], f"{key}.{name}" if key else name, kind)

    def positive(
        self, value: Any, key: str, *, unit: str = "seconds", most: float | None = MAX_SECONDS
    ) -> float:
        # NaN passes "<= 0" and YAML spells it and infinity plainly (.nan, .inf): check finiteness.
        what = f"expected a positive number of {unit}"
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"{what}, got {value!r}")
        try:
            number = float(value)
        except OverflowError:  # an integer too large for a float
            number = math.inf
        if not math.isfinite(number) or number <= 0:
            raise self.fail(key, f"{what}, got {value!r}")
        if most is not None and number > most:
            raise self.fail(key, f"{what} of at most {most:g}, got {value!r}")
        return number

    def choice(self, value: str, key: str, allowed: tuple[str, ...]) -> None:
        if value not in allowed:
            raise self.fail(key, f"{value!r} is not one of {', '.join(allowed)}")

    def str_list(self, value: Any, key: str) -> list[str]:
        check: Callable[[Any], bool] = lambda v: isinstance(v, str)  # noqa: E731
        if not isinstance(value, list) or not all(check(v) for v in value):
            raise self.fail(key, f"expected a list of strings, got {value!r}")
        return list(value)
