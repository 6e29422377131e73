"""The ``alerts:`` section of a cluster: defaults, every key read, each mistake refused by key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from alert_support import refused, rules

from hatui.alerts.rules import DEFAULT_SENDMAIL, MailTarget, RateLimit
from hatui.config import load_config, parse_config
from hatui.durations import parse_duration

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.yaml"


def test_a_cluster_without_alerts_has_no_rules() -> None:
    assert parse_config({"clusters": {"prod": {"nodes": ["vnode1"]}}}).cluster().alerts == ()
    assert rules(None) == ()


def test_defaults_of_a_command_rule() -> None:
    [rule] = rules([{"name": "page", "command": ["/usr/local/bin/page", "--urgent"]}])
    assert rule.command == ("/usr/local/bin/page", "--urgent")
    assert rule.mail is None
    assert rule.codes is None  # every code
    assert rule.severities == {"critical", "warning"}
    assert rule.on == {"new", "cleared"}
    assert (rule.debounce_s, rule.reminder_s, rule.time_limit_s) == (30.0, None, 10.0)
    assert rule.rate_limit == RateLimit(20, 3600.0)


def test_every_key_of_a_mail_rule() -> None:
    [rule] = rules(
        [
            {
                "name": "mail-ops",
                "codes": ["node-unreachable", "resource-failed"],
                "severities": ["critical"],
                "on": ["new"],
                "debounce": "2m",
                "reminder": "1h",
                "rate_limit": "5/30m",
                "time_limit": 20,
                "mail": {"to": ["ops@example.org", "oncall@example.org"], "from": "hatui@host1"},
            }
        ]
    )
    assert rule.codes == {"node-unreachable", "resource-failed"}
    assert rule.severities == {"critical"}
    assert rule.on == {"new"}
    assert (rule.debounce_s, rule.reminder_s, rule.time_limit_s) == (120.0, 3600.0, 20.0)
    assert rule.rate_limit == RateLimit(5, 1800.0)
    assert str(rule.rate_limit) == "5/30m"
    assert rule.mail == MailTarget(("ops@example.org", "oncall@example.org"), "hatui@host1", DEFAULT_SENDMAIL)


def test_one_recipient_may_be_given_as_a_string_and_debounce_may_be_zero() -> None:
    [rule] = rules([{"name": "m", "debounce": 0, "rate_limit": "10/h", "mail": {"to": "ops@example.org"}}])
    assert rule.mail is not None and rule.mail.to == ("ops@example.org",)
    assert rule.debounce_s == 0
    assert str(rule.rate_limit) == "10/h"


@pytest.mark.parametrize(
    ("alerts", "key", "words"),
    [
        ({"name": "x"}, "clusters.prod.alerts", "expected a list of rules"),
        (["page"], "clusters.prod.alerts[0]", "expected a mapping"),
        ([{"command": ["/bin/true"]}], "alerts[0].name", "every rule needs a name"),
        ([{"name": "a b", "command": ["/bin/true"]}], "alerts[0].name", "every rule needs a name"),
        ([{"name": "p"}], "alerts[0]", "exactly one of command"),
        ([{"name": "p", "command": ["/bin/true"], "mail": {"to": "a@b"}}], "alerts[0]", "exactly one"),
        ([{"name": "p", "command": "/bin/page --urgent"}], "alerts[0].command", "argv list"),
        ([{"name": "p", "command": []}], "alerts[0].command", "non-empty list"),
        ([{"name": "p", "command": ["/bin/true"], "codez": ["x"]}], "alerts[0].codez", "unknown key"),
        ([{"name": "p", "command": ["/bin/true"], "codes": []}], "alerts[0].codes", "non-empty list"),
        (
            [{"name": "p", "command": ["/bin/true"], "severities": ["info"]}],
            "severities",
            "'info' is not one",
        ),
        (
            [{"name": "p", "command": ["/bin/true"], "on": ["reminder"]}],
            "alerts[0].on",
            "not one of new, cleared",
        ),
        (
            [{"name": "p", "command": ["/bin/true"], "debounce": "30 sec"}],
            "alerts[0].debounce",
            "unit s, m, h",
        ),
        (
            [{"name": "p", "command": ["/bin/true"], "debounce": -1}],
            "alerts[0].debounce",
            "a number of seconds",
        ),
        ([{"name": "p", "command": ["/bin/true"], "reminder": 0}], "alerts[0].reminder", "more than 0"),
        (
            [{"name": "p", "command": ["/bin/true"], "on": ["cleared"], "reminder": "1h"}],
            "reminder",
            "has no new",
        ),
        (
            [{"name": "p", "command": ["/bin/true"], "time_limit": "2h"}],
            "alerts[0].time_limit",
            "at most 3600",
        ),
        ([{"name": "p", "command": ["/bin/true"], "rate_limit": "10"}], "alerts[0].rate_limit", "N/PERIOD"),
        ([{"name": "p", "command": ["/bin/true"], "rate_limit": "0/h"}], "alerts[0].rate_limit", "N/PERIOD"),
        ([{"name": "p", "command": ["/bin/true"], "rate_limit": "5/week"}], "rate_limit", "unit s, m, h"),
        ([{"name": "p", "mail": {}}], "alerts[0].mail.to", "at least one recipient"),
        ([{"name": "p", "mail": {"to": "Ops <ops@x.org>"}}], "alerts[0].mail.to", "not a plain mail address"),
        (
            [{"name": "p", "mail": {"to": "a@x.org, b@x.org"}}],
            "alerts[0].mail.to",
            "not a plain mail address",
        ),
        ([{"name": "p", "mail": {"to": "a@x.org", "from": "me"}}], "alerts[0].mail.from", "not a plain"),
        (
            [{"name": "p", "mail": {"to": "a@x.org", "sendmail": "sendmail"}}],
            "mail.sendmail",
            "absolute path",
        ),
        ([{"name": "p", "mail": {"to": "a@x.org", "cc": "b@x.org"}}], "alerts[0].mail.cc", "unknown key"),
    ],
)
def test_a_bad_rule_is_refused_naming_its_key(alerts: Any, key: str, words: str) -> None:
    message = refused(alerts)
    assert key in message
    assert words in message


def test_two_rules_of_one_name_are_refused() -> None:
    rule = {"name": "page", "command": ["/bin/true"]}
    assert "alerts[1].name: rule 'page' is given twice" in refused([rule, rule])


def test_the_example_configs_alerts_work_once_uncommented() -> None:
    """The example shows them commented out (they would page from every console); uncommented by
    deleting each line's '#', as it says, they are a valid section with a command and a mail rule."""
    lines = EXAMPLE.read_text().splitlines()
    start = lines.index("    #alerts:")
    block = []
    for line in lines[start:]:
        if not line.startswith("    #"):
            break
        block.append(line.replace("#", "", 1))
    example = yaml.safe_load("\n".join(block))
    found = {r.name: r for r in rules(example["alerts"])}
    assert found["page-admins"].command == ("/usr/local/bin/page", "--urgent")
    assert found["page-admins"].reminder_s == 3600
    assert found["mail-ops"].mail == MailTarget(
        ("ops@example.org",), "hatui@monitor.example.org", DEFAULT_SENDMAIL
    )
    # As shipped, no cluster of the example alerts anyone.
    assert all(c.alerts == () for c in load_config(EXAMPLE).clusters.values())


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("10m", 600), ("1h", 3600), ("2d", 172800), ("45", 45), (0.5, 0.5), ("1.5h", 5400)],
)
def test_durations_as_people_write_them(text: str | float, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "h", "1w", "-3s", "nan", "inf", "1e400", True, "10 minutes"])
def test_durations_that_are_refused(text: str | float) -> None:
    with pytest.raises(ValueError, match="a number of seconds"):
        parse_duration(text)


def test_on_is_read_from_yaml_where_a_bare_on_is_a_boolean(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "clusters:\n  prod:\n    nodes: [vnode1]\n    alerts:\n"
        "      - {name: gone, on: [cleared], command: [/bin/true]}\n"
        "      - name: back\n        on: [new]\n        command: [/bin/true]\n"
    )
    path.chmod(0o600)
    gone, back = load_config(path).cluster().alerts
    assert (gone.on, back.on) == ({"cleared"}, {"new"})
