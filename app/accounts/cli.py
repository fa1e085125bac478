"""Account commands: the first admin, platform roles."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..extensions import db
from . import services

users_cli = AppGroup("users", help="Manage accounts and platform roles.")


@users_cli.command("create-admin")
@click.option("--name", required=True)
@click.option("--login", "login_", required=True, help="Phone number or email")
@click.password_option()
def create_admin(name: str, login_: str, password: str) -> None:
    """Create the first admin (or make an existing account admin)."""
    user = services.find_user_by_login(login_)
    if user is None:
        user = services.register_user(name, login_, password)
    services.set_platform_role(None, user, "admin", True)
    db.session.commit()
    click.echo(f"{user.login_name} is now an admin.")


@users_cli.command("grant")
@click.argument("login_")
@click.argument("role", type=click.Choice(services.PLATFORM_ROLES))
@click.option("--revoke", is_flag=True)
def grant(login_: str, role: str, revoke: bool) -> None:
    """Grant (or with --revoke take away) a platform role."""
    user = services.find_user_by_login(login_)
    if user is None:
        raise click.ClickException("No such account")
    services.set_platform_role(None, user, role, not revoke)
    db.session.commit()
    click.echo(f"{user.login_name}: {role} {'revoked' if revoke else 'granted'}")
