"""Stock-movement reasons and order-history notes the system writes (in English, one fixed shape each), shown
in the reader's language; a reason a seller typed is shown as typed."""
from __future__ import annotations

import re

from flask_babel import gettext as _

_PATTERNS: list[tuple[re.Pattern, object]] = [
    (re.compile(r"^order (?P<number>[A-Z0-9-]+)$"), lambda m: _("Order %(number)s", number=m["number"])),
    (re.compile(r"^order (?P<number>[A-Z0-9-]+) sold$"), lambda m: _("Order %(number)s sold", number=m["number"])),
    (re.compile(r"^order (?P<number>[A-Z0-9-]+) cancelled$"),
     lambda m: _("Order %(number)s cancelled", number=m["number"])),
    (re.compile(r"^order (?P<number>[A-Z0-9-]+) refunded$"),
     lambda m: _("Order %(number)s refunded", number=m["number"])),
    (re.compile(r"^live (?P<live>\d+) message \d+$"), lambda m: _("Order in the chat of live #%(live)s", live=m["live"])),
    (re.compile(r"^live (?P<live>\d+) message \d+: cancelled$"),
     lambda m: _("Cancelled in the chat of live #%(live)s", live=m["live"])),
    (re.compile(r"^live (?P<live>\d+) reservation \d+: hold ran out$"),
     lambda m: _("Live #%(live)s: the hold ran out", live=m["live"])),
    (re.compile(r"^live (?P<live>\d+) reservation \d+: cancelled by the seller$"),
     lambda m: _("Live #%(live)s: cancelled by the seller", live=m["live"])),
    (re.compile(r"^live (?P<live>\d+) waitlist \d+$"), lambda m: _("Waitlist of live #%(live)s", live=m["live"])),
    (re.compile(r"^practice \d+ finished$"), lambda m: _("Practice live finished")),
    (re.compile(r"^practice live: option no longer sold$"), lambda m: _("Practice live: option no longer sold")),
    (re.compile(r"^practice live sandbox stock$"), lambda m: _("Practice live stock")),
    (re.compile(r"^payment time ran out$"), lambda m: _("Payment time ran out")),
    (re.compile(r"^paid via (?P<provider>\w+)$"), lambda m: _("Paid (%(provider)s)", provider={
        "bank": _("bank transfer"), "stripe": _("card"), "manual": _("recorded by the seller")}.get(m["provider"], m["provider"]))),
    (re.compile(r"^card payment session expired$"), lambda m: _("Card payment expired")),
    (re.compile(r"^refunded by card$"), lambda m: _("Refunded to the card")),
]


def system_text(text: str | None) -> str:
    """`text` in the reader's language when the system wrote it, else as it is."""
    if not text:
        return ""
    for pattern, render in _PATTERNS:
        match = pattern.match(text)
        if match:
            return render(match)
    return text
