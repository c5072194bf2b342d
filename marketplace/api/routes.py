from __future__ import annotations

from flask import Response, jsonify

from marketplace.api import bp
from marketplace.categories.services import category_as_dict, family_tree


@bp.get("/categories")
def categories() -> Response:
    items = []
    for family, types in family_tree():
        items.append(category_as_dict(family))
        items.extend(category_as_dict(category) for category in types)
    response = jsonify({"items": items})
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response
