from __future__ import annotations

from datetime import timedelta
from typing import Any

from marketplace.core.clock import today_in_finland
from marketplace.models import Category, Site


def form_data(site: Site, category: Category, **changes: Any) -> dict[str, Any]:
    """What a browser sends from the new-listing form for 40 m² of mineral wool."""
    today = today_in_finland()
    data = {
        "title": "Mineraalivilla 50 mm, 40 m²",
        "category_id": str(category.id),
        "description": "Avaamattomia paketteja, säilytetty sisällä.",
        "language": "fi",
        "condition": "new_surplus",
        "quantity": "40",
        "unit": "m2",
        "mass_per_unit_kg": "",
        "price_model": "free",
        "price_euros": "",
        "available_from": today.isoformat(),
        "available_until": (today + timedelta(days=14)).isoformat(),
        "site_id": str(site.id),
        "pickup_instructions": "Arkisin 7–15, kysy työnjohtajaa.",
        "action": "publish",
    }
    data.update(changes)
    return data
