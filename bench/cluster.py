"""Two app processes sharing Redis and PostgreSQL against one: the order storm (spread) and the room fan-out.

Both processes are pinned to the server core like the single one, so on a 2-core machine this measures what the
cluster machinery (Redis message queue, cross-process viewer counts) costs, not how it scales with cores.
"""
from __future__ import annotations

from . import fanout, storm

SUSTAINED_RATE = 500


def run(quick: bool, workdir) -> dict:
    storm_settings = storm._settings(quick)  # the storm scenario's, with its env overrides
    # One of the storm's own rates (so "one process" is in the same invocation): the highest one process keeps up
    # with in the full settings (500/s), not the overload above it, where both would only measure the backlog.
    rates = storm_settings["rates"]
    storm_settings["rates"] = [r for r in rates if r <= SUSTAINED_RATE][-1:] or rates[:1]
    fan_settings = fanout._settings(quick)
    fan_settings["viewers"] = fan_settings["viewers"][:1]
    # "One process" is the storm and fan-out scenarios' PostgreSQL run with the same settings, in this invocation.
    result = {"storm": {"two": storm.run_app("postgresql", storm_settings, workdir, processes=2)}}
    if not quick:  # the quick run keeps to two minutes: the fan-out across processes is in the full run only
        result["fanout"] = {"two": fanout.run_app("postgresql", fan_settings, workdir, processes=2)}
    return result
