"""Provides ``AlertRule`` and ``parse_rules``: a cluster's ``alerts:`` section, read strictly.

A rule says which problems concern someone (codes, severities), when to tell them (a problem that
lasted ``debounce``, its clearing, a reminder while it stays), how often at most (``rate_limit``),
and how: a command that gets the alert as ``hatui.alert/1`` JSON on its standard input, or a mail
handed to the local ``sendmail``. Every error names the file and the dotted key, as the rest of
the config does (``hatui.config_reader``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hatui.durations import parse_duration
from hatui.model.health_types import CRITICAL, WARNING, Problem
from hatui.model.problem_codes import PROBLEM_CODES

if TYPE_CHECKING:
    from hatui.config_reader import Reader

#: The keys one rule accepts.
RULE_KEYS = {
    "name",
    "codes",
    "severities",
    "on",
    "debounce",
    "reminder",
    "rate_limit",
    "time_limit",
    "command",
    "mail",
}
MAIL_KEYS = {"to", "from", "sendmail"}
#: What a rule can be told about: a problem that lasted its debounce, and its clearing. Settling
#: and info problems are a cluster in transition and hatui's own doing: never alerts.
STATES = ("new", "cleared")
SEVERITIES = (CRITICAL, WARNING)
DEFAULT_SENDMAIL = "/usr/sbin/sendmail"
#: The longest a command may run; more is a typo (and would hold an alert worker for hours).
MAX_TIME_LIMIT_S = 3600.0

# A plain addr-spec: no display name, no spaces, commas or angle brackets (each would let one
# configured address turn into several recipients or a header of its own).
_ADDRESS = re.compile(r"[^\s@<>,;:\"()\[\]\\]+@[^\s@<>,;:\"()\[\]\\]+")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@dataclass(frozen=True, slots=True)
class MailTarget:
    """Where a mail rule sends: recipients, the sender, the local ``sendmail``."""

    to: tuple[str, ...]
    sender: str | None = None
    """The From address; None lets sendmail put the local user."""
    sendmail: str = DEFAULT_SENDMAIL


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``count`` alerts of one rule in any ``period_s`` seconds."""

    count: int = 20
    period_s: float = 3600.0

    def __str__(self) -> str:
        return f"{self.count}/{_fmt_period(self.period_s)}"


@dataclass(frozen=True, slots=True)
class AlertRule:
    """One ``alerts:`` entry of a cluster."""

    name: str
    command: tuple[str, ...] | None = None
    """argv of the command that gets the alert JSON on stdin; None for a mail rule."""
    mail: MailTarget | None = None
    codes: frozenset[str] | None = None
    """Problem codes it follows; None: every code."""
    severities: frozenset[str] = frozenset(SEVERITIES)
    on: frozenset[str] = frozenset(STATES)
    debounce_s: float = 30.0
    """How long a problem must last (counted from when it first matched) before it is sent."""
    reminder_s: float | None = None
    """Resend while it stays, this often; None: never."""
    rate_limit: RateLimit = RateLimit()
    time_limit_s: float = 10.0
    """The command (or sendmail) is killed after this."""

    def matches(self, problem: Problem) -> bool:
        """True when ``problem`` is one this rule follows (by severity and code)."""
        return problem.severity in self.severities and (self.codes is None or problem.code in self.codes)


def parse_rules(r: Reader, value: Any, key: str) -> tuple[AlertRule, ...]:
    """Reads a cluster's ``alerts:`` list (absent = no rules); raises ``ConfigError`` naming the key."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise r.fail(key, f"expected a list of rules, got {type(value).__name__}")
    rules = tuple(_rule(r, item, f"{key}[{i}]") for i, item in enumerate(value))
    seen: set[str] = set()
    for i, rule in enumerate(rules):
        if rule.name in seen:
            raise r.fail(
                f"{key}[{i}].name", f"rule {rule.name!r} is given twice (the log names rules by name)"
            )
        seen.add(rule.name)
    return rules


def _rule(r: Reader, value: Any, key: str) -> AlertRule:
    if isinstance(value, dict) and True in value and "on" not in value:
        # YAML 1.1 reads a bare ``on:`` key as the boolean true (PyYAML does): it is our "on".
        value = {("on" if k is True else k): v for k, v in value.items()}
    m = r.mapping(value, key, RULE_KEYS, required=True)
    name = r.opt(m, "name", key, str)
    if not name or not _NAME.fullmatch(name):
        raise r.fail(
            f"{key}.name", "every rule needs a name of letters, digits, '-', '_' or '.', e.g. page-admins"
        )
    if ("command" in m) == ("mail" in m):
        raise r.fail(key, "give exactly one of command (argv list) or mail (to, from, sendmail)")
    d = AlertRule(name=name)
    codes = m.get("codes")
    severities = _words(r, m.get("severities", list(SEVERITIES)), f"{key}.severities", SEVERITIES)
    on = _words(r, m.get("on", list(STATES)), f"{key}.on", STATES)
    reminder = m.get("reminder")
    if reminder is not None and "new" not in on:
        raise r.fail(f"{key}.reminder", "a reminder resends the new alert, and this rule's on: has no new")
    return AlertRule(
        name=name,
        command=_command(r, m["command"], f"{key}.command") if "command" in m else None,
        mail=_mail(r, m["mail"], f"{key}.mail") if "mail" in m else None,
        codes=None if codes is None else _codes(r, codes, f"{key}.codes"),
        severities=severities,
        on=on,
        debounce_s=_duration(r, m.get("debounce", d.debounce_s), f"{key}.debounce", zero=True),
        reminder_s=None if reminder is None else _duration(r, reminder, f"{key}.reminder"),
        rate_limit=_rate(r, m.get("rate_limit"), f"{key}.rate_limit"),
        time_limit_s=_duration(
            r, m.get("time_limit", d.time_limit_s), f"{key}.time_limit", most=MAX_TIME_LIMIT_S
        ),
    )


def _nonempty_list(r: Reader, value: Any, key: str) -> list[str]:
    items = r.str_list(value, key)
    if not items or not all(s.strip() for s in items):
        raise r.fail(key, f"expected a non-empty list of non-empty strings, got {value!r}")
    return items


def _codes(r: Reader, value: Any, key: str) -> frozenset[str]:
    codes = _nonempty_list(r, value, key)
    for code in codes:
        if code not in PROBLEM_CODES:
            import difflib  # only on this error: every hatui start reads the config

            near = difflib.get_close_matches(code, sorted(PROBLEM_CODES), n=1)
            hint = f" (did you mean {near[0]}?)" if near else " (README: How hatui decides lists them)"
            raise r.fail(key, f"{code!r} is not a problem code hatui reports{hint}")
    return frozenset(codes)


def _words(r: Reader, value: Any, key: str, allowed: tuple[str, ...]) -> frozenset[str]:
    items = _nonempty_list(r, value, key)
    for item in items:
        r.choice(item, key, allowed)
    return frozenset(items)


def _command(r: Reader, value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        raise r.fail(
            key,
            f"expected an argv list, e.g. [/usr/local/bin/page, --urgent] (no shell is used), got {value!r}",
        )
    return tuple(_nonempty_list(r, value, key))


def _mail(r: Reader, value: Any, key: str) -> MailTarget:
    m: Mapping[str, Any] = r.mapping(value, key, MAIL_KEYS, required=True)
    if "to" not in m:
        raise r.fail(f"{key}.to", "a mail rule needs at least one recipient")
    raw_to = m["to"]
    to = _nonempty_list(r, [raw_to] if isinstance(raw_to, str) else raw_to, f"{key}.to")
    for address in to:
        _address(r, address, f"{key}.to")
    sender = r.opt(m, "from", key, str)
    if sender is not None:
        _address(r, sender, f"{key}.from")
    sendmail = r.opt(m, "sendmail", key, str) or DEFAULT_SENDMAIL
    if not sendmail.startswith("/"):
        raise r.fail(
            f"{key}.sendmail", f"expected an absolute path such as {DEFAULT_SENDMAIL}, got {sendmail!r}"
        )
    return MailTarget(to=tuple(to), sender=sender, sendmail=sendmail)


def _address(r: Reader, value: str, key: str) -> None:
    if not _ADDRESS.fullmatch(value):
        raise r.fail(key, f"{value!r} is not a plain mail address (user@host, no name or brackets)")


def _duration(r: Reader, value: Any, key: str, *, zero: bool = False, most: float | None = None) -> float:
    try:
        seconds = parse_duration(value)
    except ValueError as exc:
        raise r.fail(key, str(exc)) from None
    if seconds == 0 and not zero:
        raise r.fail(key, f"must be more than 0, got {value!r}")
    if most is not None and seconds > most:
        raise r.fail(key, f"at most {most:g} seconds, got {value!r}")
    return seconds


def _rate(r: Reader, value: Any, key: str) -> RateLimit:
    """``10/h``, ``5/30m``, ``100/1d``: at most N per period."""
    if value is None:
        return RateLimit()
    count, sep, period = str(value).partition("/") if isinstance(value, str) else ("", "", "")
    if not sep or not count.strip().isdigit() or int(count) < 1:
        raise r.fail(key, f"expected N/PERIOD with N at least 1, such as 10/h or 5/30m, got {value!r}")
    period = period.strip()
    if period and period[0].isalpha():
        period = "1" + period  # "10/h" reads as ten per one hour
    return RateLimit(int(count), _duration(r, period, key))


def _fmt_period(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            n = int(seconds // size)
            return unit if n == 1 else f"{n}{unit}"
    return f"{seconds:g}s"
