"""The model base class as both Flask-SQLAlchemy and mypy should see it."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from marketplace.database import Base as Model
else:
    from marketplace.extensions import db

    Model = db.Model

__all__ = ["Model"]
