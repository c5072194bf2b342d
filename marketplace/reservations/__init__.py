"""Reservations of material, bookings of equipment, their timeline and the handover."""

from flask import Blueprint

bp = Blueprint("reservations", __name__, url_prefix="/reservations")

from marketplace.reservations import routes  # noqa: E402, F401
