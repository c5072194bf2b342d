from __future__ import annotations

from flask import Response, jsonify, request
from flask_babel import lazy_gettext as _l

from marketplace.api import bp
from marketplace.api.access import known_id
from marketplace.api.serializers import listing_as_dict
from marketplace.categories.services import category_as_dict, family_tree
from marketplace.listings.access import get_visible
from marketplace.search.query import QueryError, parse_query
from marketplace.search.services import SearchPage, search
from marketplace.web.error_responses import problem_response


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


def _facets(page: SearchPage) -> dict[str, object]:
    facets = page.facets
    slugs = {
        category.id: category.slug
        for family, types in family_tree()
        for category in (family, *types)
    }
    # Families, and the product types of the chosen family; slugs are unique across both.
    counts = {**facets.families, **facets.categories}
    return {
        "category": {slugs[i]: n for i, n in counts.items() if i in slugs},
        "kind": facets.kinds,
        "condition": facets.conditions,
    }


@bp.get("/listings")
def listings() -> Response:
    """Public search: the search page's parameters, strictly checked (422 with every
    problem), answered with a page of listings and the facet counts."""
    try:
        query, _problems = parse_query(request.args, strict=True)
    except QueryError as error:
        return problem_response(422, problems=error.problems)
    page = search(query, suggest=False)
    if page.problems:
        return problem_response(422, problems=page.problems)
    if page.unavailable:
        return problem_response(503, headers=[("Retry-After", "5")])
    return jsonify(
        {
            "items": [listing_as_dict(r.listing, r.distance_km) for r in page.results],
            "total": page.total,
            "page": query.page,
            "per_page": query.per_page,
            "facets": _facets(page),
        }
    )


@bp.get("/listings/<int:listing_id>")
def listing(listing_id: int) -> Response:
    """A public listing: active, closed or expired; drafts, paused and removed ones are 404."""
    return jsonify(listing_as_dict(get_visible(known_id(listing_id, _l("No such listing.")), None)))
