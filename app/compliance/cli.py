"""`flask tax export --month YYYY-MM --out FILE` and `flask compliance mode own_shop|marketplace`."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from ..core.csvfile import BOM, write_csv
from ..errors import DomainError
from ..extensions import db

tax_cli = AppGroup("tax", help="Withholding declarations (marketplace mode).")
compliance_cli = AppGroup("compliance", help="Platform mode and compliance settings.")


@tax_cli.command("export")
@click.option("--month", required=True, help="The tax period, YYYY-MM.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Where to write: a .csv or .xlsx file.")
def export_command(month: str, out: str) -> None:
    """Write the month's declaration data (per seller: name, tax code or ID number, revenue, VAT, PIT, offsets)."""
    from . import exports, queries

    try:
        period = queries.parse_period(month)
    except DomainError as exc:
        raise click.BadParameter(str(exc.message), param_hint="--month") from None
    path = Path(out)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise click.BadParameter("the file name must end in .csv or .xlsx", param_hint="--out")
    report = queries.declaration(period)
    rows = exports.declaration_rows(report)
    if path.suffix.lower() == ".xlsx":
        path.write_bytes(exports.xlsx_bytes(rows, f"Khau tru {period}"))
    else:
        path.write_text(BOM + write_csv(rows), encoding="utf-8")
    db.session.rollback()
    click.echo(f"{period}: {len(report.rows)} line(s), VAT {report.totals.net_vat}, PIT {report.totals.net_pit} "
               f"→ {path}")


@compliance_cli.command("mode")
@click.argument("mode", type=click.Choice(["own_shop", "marketplace"]))
def mode_command(mode: str) -> None:
    """Choose the platform mode at installation (from today); the documented defaults are written too."""
    from . import settings

    settings.choose_mode(None, mode, source="flask compliance mode")
    db.session.commit()
    click.echo(f"Platform mode: {mode}")


@compliance_cli.command("purge")
def purge_command() -> None:
    """Delete the lives and removed listings past their retention period (docs/compliance.md §8); each is logged."""
    from . import retention

    run = retention.purge_expired()
    db.session.commit()
    click.echo(f"Purged {len(run.lives)} live(s), {len(run.listings)} listing(s); "
               f"{len(run.kept_listings)} listing(s) kept because orders name them.")


@compliance_cli.command("deidentify-addresses")
def deidentify_addresses_command() -> None:
    """Erase the receiver's name, phone, street and commune from delivered orders older than the setting
    address_retention_days (docs/compliance.md); safe to run every day."""
    from .privacy_jobs import deidentify_addresses

    changed, days = deidentify_addresses()
    db.session.commit()
    click.echo(f"De-identified the delivery address of {changed} order(s) delivered over {days} days ago.")


@compliance_cli.command("expire-certificates")
def expire_certificates_command() -> None:
    """Warn sellers of OCOP certificates expiring within certificate_warning_days and take the rating off products
    whose certificate has expired (docs/compliance.md); safe to run every day."""
    from .privacy_jobs import expire_certificates

    counts, days = expire_certificates()
    db.session.commit()
    click.echo(f"Warned {counts['warned']} certificate(s) expiring within {days} days; "
               f"{counts['expired']} expired certificate(s) taken off.")
