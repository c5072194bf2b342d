"""The throwaway PostgreSQL database each benchmark measures on."""

from __future__ import annotations

import sqlalchemy as sa


def fresh_postgres(url: str) -> str:
    """Drop and create the database `url` names; returns its URL for psycopg 3."""
    database = sa.make_url(url).database
    admin = sa.create_engine(
        sa.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        # FORCE: a benchmark stopped half-way may leave connections behind.
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    return url.replace("postgresql://", "postgresql+psycopg://", 1)
