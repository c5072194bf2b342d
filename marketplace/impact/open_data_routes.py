"""Open data: the schema page and the feeds, public and cacheable."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from typing import Any

from flask import Response, current_app, render_template, request
from flask_babel import gettext as _

from marketplace.impact import open_data, open_data_bp
from marketplace.impact.open_data import IMPACT_FIELDS, LICENCE, LISTING_FIELDS, Field
from marketplace.web.error_responses import problem_response
from marketplace.web.pages import Page

DATASETS: dict[str, tuple[Callable[[], list[dict[str, Any]]], tuple[Field, ...]]] = {
    "listings": (open_data.listings, LISTING_FIELDS),
    "impact": (open_data.impact, IMPACT_FIELDS),
}


@open_data_bp.get("/")
def index() -> Page:
    return render_template(
        "open_data/index.html",
        listing_fields=LISTING_FIELDS,
        impact_fields=IMPACT_FIELDS,
        licence=LICENCE,
    )


def _feed(body: str, mimetype: str, name: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = (
        f"public, max-age={int(current_app.config['IMPACT_OPEN_DATA_MAX_AGE'])}"
    )
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Link"] = f'<{LICENCE["url"]}>; rel="license"'
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.set_etag(hashlib.sha256(body.encode()).hexdigest()[:32])
    response.make_conditional(request)  # 304 for a client that has this version
    return response


def _refuse_parameters(names: Iterable[str]) -> Response | None:
    unknown = sorted(names)
    if not unknown:
        return None
    message = _("The open-data feeds take no parameters: %(names)s.", names=", ".join(unknown))
    return problem_response(422, message)


def _json(dataset: str) -> Response:
    refused = _refuse_parameters(request.args)
    if refused is not None:
        return refused
    build = DATASETS[dataset][0]
    body = json.dumps(open_data.document(dataset, build()), ensure_ascii=False, indent=1)
    return _feed(body, "application/json", f"{dataset}.json")


def _csv(dataset: str) -> Response:
    refused = _refuse_parameters(request.args)
    if refused is not None:
        return refused
    build, fields = DATASETS[dataset]
    return _feed(open_data.to_csv(fields, build()), "text/csv", f"{dataset}.csv")


# One rule per feed, with no variable part: the feeds are documents, not objects.
@open_data_bp.get("/listings.json")
def listings_json() -> Response:
    return _json("listings")


@open_data_bp.get("/listings.csv")
def listings_csv() -> Response:
    return _csv("listings")


@open_data_bp.get("/impact.json")
def impact_json() -> Response:
    return _json("impact")


@open_data_bp.get("/impact.csv")
def impact_csv() -> Response:
    return _csv("impact")
