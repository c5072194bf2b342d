"""The public catalogue: categories and listings, for anyone, without a key."""

from __future__ import annotations

from flask import Response, jsonify, request
from flask_babel import lazy_gettext as _l

from marketplace.api import bp
from marketplace.api.access import known_id
from marketplace.api.models import CategoryList, Facets, Listing, ListingPage
from marketplace.api.operations import operation
from marketplace.api.parameters import ListingSearch
from marketplace.api.serializers import category_model, listing_model
from marketplace.categories.services import family_tree
from marketplace.listings.access import get_visible
from marketplace.search.query import QueryError, parse_query
from marketplace.search.services import SearchPage, search
from marketplace.web.error_responses import problem_response


@bp.get("/categories")
@operation("listCategories", "The category taxonomy", "Catalogue", {200: CategoryList})
def categories() -> Response:
    items = []
    for family, types in family_tree():
        items.append(category_model(family))
        items.extend(category_model(category) for category in types)
    response = jsonify(CategoryList(items=items).document())
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


def _facets(page: SearchPage) -> Facets:
    facets = page.facets
    slugs = {
        category.id: category.slug
        for family, types in family_tree()
        for category in (family, *types)
    }
    # Families, and the product types of the chosen family; slugs are unique across both.
    counts = {**facets.families, **facets.categories}
    return Facets(
        category={slugs[i]: n for i, n in counts.items() if i in slugs},
        kind=facets.kinds,
        condition=facets.conditions,
    )


@bp.get("/listings")
@operation(
    "listListings",
    "Search public listings, with the search page's filters",
    "Catalogue",
    {200: ListingPage},
    (400, 422, 503),
    query=ListingSearch,
)
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
    found = ListingPage(
        items=[listing_model(result.listing, result.distance_km) for result in page.results],
        total=page.total,
        page=query.page,
        per_page=query.per_page,
        facets=_facets(page),
    )
    return jsonify(found.document())


@bp.get("/listings/<int:listing_id>")
@operation("getListing", "One public listing", "Catalogue", {200: Listing}, (400, 404))
def listing(listing_id: int) -> Response:
    """A public listing: active, closed or expired; drafts, paused and removed ones are 404."""
    found = get_visible(known_id(listing_id, _l("No such listing.")), None)
    return jsonify(listing_model(found).document())
