"""Alembic environment: the application's engine, metadata and comparison settings."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from marketplace.database import unhurried

config = context.config
if config.config_file_name:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

migrate_extension = current_app.extensions["migrate"]
engine = migrate_extension.db.engine
target_metadata = migrate_extension.db.metadata
config.set_main_option(
    "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
)


def skip_empty_autogenerate(context, revision, directives):
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_offline():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def sqlite_pragma(connection, pragma):
    """Run a PRAGMA outside any transaction (foreign_keys is a no-op inside one), on the
    driver's own connection, which SQLAlchemy has not begun a transaction on yet."""
    return connection.connection.driver_connection.execute(f"PRAGMA {pragma}").fetchall()


def run_migrations_online():
    options = dict(migrate_extension.configure_args)
    options.setdefault("process_revision_directives", skip_empty_autogenerate)
    # A migration may rewrite or index a whole table: no statement timeout (see database.py).
    with unhurried(), engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table and drops the old one; with foreign keys on, the drop
            # deletes every row that cascades from the table (a rebuilt `users` would take
            # memberships and sign-ins with it). Alembic's advice: off while migrating.
            sqlite_pragma(connection, "foreign_keys=OFF")
        try:
            context.configure(connection=connection, target_metadata=target_metadata, **options)
            with context.begin_transaction():
                context.run_migrations()
            if sqlite:
                connection.commit()
                broken = sqlite_pragma(connection, "foreign_key_check")
                if broken:
                    raise RuntimeError(f"the migrated database breaks foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                connection.rollback()
                sqlite_pragma(connection, "foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
