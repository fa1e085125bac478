"""Command-line entry points: flask seed-demo and each feature's command group."""
from __future__ import annotations

import click
from flask import Flask

from .extensions import db


def register_cli(app: Flask) -> None:
    from .accounts.cli import users_cli

    app.cli.add_command(users_cli)

    @app.cli.command("serve")
    @click.option("--host", default="127.0.0.1")
    @click.option("--port", default=None, type=int, help="Defaults to $PORT or 5000")
    def serve(host: str, port: int | None) -> None:
        """Serve the app with Socket.IO (threading mode) for development and demos."""
        import os

        from .extensions import socketio

        port = port or app.config["PORT"]
        # Flask refuses app.run() under its CLI; this command exists precisely to run the server.
        os.environ.pop("FLASK_RUN_FROM_CLI", None)
        click.echo(f"Chợ Live on http://{host}:{port}")
        socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, use_reloader=False)

    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Build the demo district (idempotent) and print the demo accounts."""
        from .accounts.demo import DEMO_PASSWORD, seed_accounts

        rows = seed_accounts()
        from .shop.demo import seed_orders, seed_products

        seed_products()
        seed_orders()
        from .livestream.demo import seed_lives

        seed_lives()
        from .training.demo import seed_training

        seed_training()
        db.session.commit()
        click.echo("Chợ Live demo district is ready. Password for every account: " + DEMO_PASSWORD)
        for login, name, role in rows:
            click.echo(f"  {login:<14} {name:<32} {role}")
