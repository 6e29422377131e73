"""Provides what an alert says: the ``hatui.alert/1`` JSON a command reads, and the mail (pure).

The problem's words come from the cluster (node, resource and domain names, tool messages): they
are data. In the JSON they are escaped by JSON itself; in a mail the subject is one inert line
(``hatui.plaintext.clean_line``: no newline can start a header of its own) and the readable body
shows them cleaned, beside the JSON in ASCII, so what was sent can still be read but never acts.
"""

from __future__ import annotations

import json
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from hatui.alerts.engine import Alert
from hatui.alerts.rules import MailTarget
from hatui.plaintext import clean_line

SCHEMA = "hatui.alert/1"
#: The longest mail subject; the message itself is in the body.
SUBJECT_MAX = 160

_STATE_WORDS = {"new": "NEW", "reminder": "STILL", "cleared": "CLEARED"}


def alert_dict(alert: Alert, cluster: str, host: str) -> dict[str, Any]:
    """The ``hatui.alert/1`` document (documented in the README; fields are added, never renamed)."""
    p = alert.problem
    return {
        "schema": SCHEMA,
        "cluster": cluster,
        "rule": alert.rule.name,
        "state": alert.state,
        "problem": {
            "severity": p.severity,
            "code": p.code,
            "subject": p.subject,
            "node": p.node,
            "message": p.message,
            "kind": p.kind or None,
        },
        "since": _iso(alert.since),
        "at": _iso(alert.at),
        "verdict": alert.verdict,
        "host": host,
    }


def alert_json(alert: Alert, cluster: str, host: str) -> bytes:
    """The document as UTF-8 JSON and a final newline, as a command reads it on standard input."""
    return (json.dumps(alert_dict(alert, cluster, host), ensure_ascii=False) + "\n").encode()


def headline(alert: Alert, cluster: str) -> str:
    """One inert line: ``hatui faculty: NEW critical node-unreachable vnode2: <message>``."""
    p = alert.problem
    line = clean_line(
        f"hatui {cluster}: {_STATE_WORDS.get(alert.state, alert.state)} {p.severity} {p.code} {p.subject}"
    )
    message = clean_line(p.message)
    return f"{line}: {message}" if message else line


def mail_message(alert: Alert, cluster: str, host: str, target: MailTarget) -> bytes:
    """The mail ``sendmail -t -oi`` reads: recipients in To, the alert readable and as JSON."""
    msg = EmailMessage()
    msg["To"] = ", ".join(target.to)
    if target.sender:
        msg["From"] = target.sender
    subject = headline(alert, cluster)
    msg["Subject"] = subject if len(subject) <= SUBJECT_MAX else subject[: SUBJECT_MAX - 3] + "..."
    msg["Date"] = format_datetime(alert.at)
    msg["Message-ID"] = make_msgid("hatui", domain=clean_line(host) or "localhost")
    # RFC 3834: an automatic message; vacation responders must not answer it.
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(_body(alert, cluster, host))
    return msg.as_bytes()


def _body(alert: Alert, cluster: str, host: str) -> str:
    p = alert.problem
    rows = [
        ("State", alert.state),
        ("Cluster", cluster),
        ("Problem", f"{p.severity} {p.code}"),
        ("Subject", f"{p.kind + ' ' if p.kind else ''}{p.subject}"),
        ("Node", p.node or "-"),
        ("Message", p.message),
        ("Since", _iso(alert.since) or "-"),
        ("At", _iso(alert.at) or "-"),
        ("Verdict", alert.verdict or "-"),
        ("Seen by", host),
        ("Rule", alert.rule.name),
    ]
    text = "\n".join(f"{k + ':':<9} {clean_line(v)}" for k, v in rows)
    document = json.dumps(alert_dict(alert, cluster, host), ensure_ascii=True, indent=2)
    return f"{text}\n\n{SCHEMA}:\n{document}\n"


def _iso(at: datetime | None) -> str | None:
    return at.isoformat().replace("+00:00", "Z") if at is not None else None
