"""The Alembic revisions build exactly the schema the models describe, on SQLite and PostgreSQL."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext


def test_no_pending_autogenerate_diff(app, db):
    migrate = app.extensions["migrate"]
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True,
            "render_as_batch": True,
            **({"include_object": migrate.configure_args["include_object"]}
               if "include_object" in migrate.configure_args else {}),
            **({"include_name": migrate.configure_args["include_name"]}
               if "include_name" in migrate.configure_args else {}),
        })
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_migrations_have_a_single_head(app):
    from alembic.script import ScriptDirectory
    from flask_migrate import Config

    config = Config(str(app.extensions["migrate"].directory) + "/alembic.ini")
    config.set_main_option("script_location", app.extensions["migrate"].directory)
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1
