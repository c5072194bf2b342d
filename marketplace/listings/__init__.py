"""Listings: materials offered, equipment for rent and wanted items, with their photos."""

from flask import Blueprint

bp = Blueprint("listings", __name__, url_prefix="/listings")

from marketplace.listings import presentation, routes  # noqa: E402, F401

bp.add_app_template_global(presentation.price, "listing_price")
bp.add_app_template_global(presentation.category_name, "category_name")
bp.add_app_template_global(presentation.photo_url, "photo_url")
bp.add_app_template_global(presentation.photo_srcset, "photo_srcset")
bp.add_app_template_global(presentation.cover, "cover_photo")
