"""Reservations of material, bookings of equipment, their timeline and the handover."""

from flask import Blueprint, Flask

bp = Blueprint("reservations", __name__, url_prefix="/reservations")

from marketplace.auth.suspension import suspended  # noqa: E402
from marketplace.reservations import routes  # noqa: E402, F401
from marketplace.reservations.suspensions import on_account_suspended  # noqa: E402


def register_reservations(_app: Flask) -> None:
    """What reservations need besides their blueprint: a suspended account's open ones end."""
    # A strong reference: the subscriber must live as long as the process does.
    suspended.connect(on_account_suspended, weak=False)
