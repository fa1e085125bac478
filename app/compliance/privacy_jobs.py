"""The trust jobs (#17): de-identify delivery addresses of old delivered orders, expire OCOP certificates and warn
their sellers; each reads its period from the dated settings (docs/compliance.md). Run by the scheduler every few
hours and by `flask compliance deidentify-addresses` / `expire-certificates`; safe to run again."""
from __future__ import annotations

from . import settings

EVERY_SECONDS = 6 * 3600


def deidentify_addresses() -> tuple[int, int]:
    """(orders changed, the retention days in force)."""
    from ..shop.ordering.privacy import deidentify_delivered_addresses

    days = settings.int_value("address_retention_days")
    return deidentify_delivered_addresses(days), days


def expire_certificates() -> tuple[dict[str, int], int]:
    """(counts of warned and expired certificates, the warning days in force)."""
    from ..shop.documents import run_expiry

    today = settings.local_day()
    days = settings.int_value("certificate_warning_days", today)
    return run_expiry(today, days), days
