"""The impact pages: public figures, the method, an organisation's and a site's figures, and an
organisation's handover exports."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import Response, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.errors import MarketplaceError, NotFound
from marketplace.extensions import db
from marketplace.impact import bp, charts, exports, presentation, services
from marketplace.impact.services import Group, Month, Scope
from marketplace.models import Category, CategoryKind, Site
from marketplace.organisations.services import memberships_of, require_membership
from marketplace.web.error_responses import problem_response
from marketplace.web.pages import Page

CHART_MONTHS = 12
TOP_AREAS = 10
RECENT_HANDOVERS = 20


def _language() -> str:
    return str(get_locale() or "fi")


def _text(value: Decimal | None, handovers: int, write: Callable[[Decimal], str]) -> str:
    """A bar's value: unknown when there were handovers but none with a known figure."""
    if value is None:
        return _("unknown") if handovers else write(Decimal(0))
    return write(value)


def _month_chart(months: Sequence[Month]) -> charts.Chart:
    rows = [
        (
            presentation.month(m.first_day),
            m.figures.co2e_kg,
            _text(m.figures.known_co2e_kg, m.figures.handovers, presentation.co2e),
        )
        for m in months
    ]
    return charts.bar_chart(_("CO2e avoided per month"), rows)


def _family_chart(families: Sequence[Group]) -> charts.Chart:
    rows = [
        (
            g.label,
            g.figures.mass_kg,
            _text(g.figures.known_mass_kg, g.figures.handovers, presentation.mass),
        )
        for g in families
    ]
    return charts.bar_chart(_("Material reused by family"), rows)


def _dashboard(scope: Scope) -> dict[str, Any]:
    """What every impact page shows of its scope."""
    months = services.by_month(scope, CHART_MONTHS)
    families = services.by_family(scope, _language())
    return {
        "totals": services.totals(scope),
        "months": months,
        "month_chart": _month_chart(months),
        "families": families,
        "family_chart": _family_chart(families),
        "sources": services.sources(scope),
        "fmt": presentation,
        "language": _language(),
    }


@bp.get("/")
def overview() -> Page:
    memberships = memberships_of(current_user) if current_user.is_authenticated else []
    return render_template(
        "impact/overview.html",
        areas=services.by_postal_area(limit=TOP_AREAS),
        memberships=memberships,
        **_dashboard(Scope()),
    )


def _factor_categories() -> list[Category]:
    query = (
        sa.select(Category)
        .where(Category.kind == CategoryKind.MATERIAL, Category.active.is_(True))
        .order_by(
            sa.func.coalesce(Category.parent_id, Category.id),
            Category.parent_id.is_not(None),
            Category.position,
        )
    )
    return list(db.session.scalars(query))


@bp.get("/method")
def method() -> Page:
    categories = _factor_categories()
    sources = {c.emission_factor_source for c in categories if c.emission_factor_source}
    publications = sorted({presentation.source_entry(source)[0] for source in sources})
    return render_template(
        "impact/method.html",
        categories=categories,
        publications=publications,
        language=_language(),
        fmt=presentation,
    )


@bp.get("/organisations/<int:organisation_id>")
@login_required
def organisation(organisation_id: int) -> Page:
    membership = require_membership(organisation_id, current_user)
    scope = Scope(organisation_id=organisation_id)
    return render_template(
        "impact/organisation.html",
        organisation=membership.organisation,
        sites=services.by_site(scope),
        recent=services.handovers(scope, RECENT_HANDOVERS),
        period=exports.parse_period({}),
        **_dashboard(scope),
    )


def _visible_site(site_id: int) -> Site:
    """Organisations' sites are public places; a resident's home is shown only to them."""
    site = db.session.get(Site, site_id)
    if site is None:
        raise NotFound(_("No such site."))
    if site.organisation_id is None and not (
        current_user.is_authenticated and site.user_id == current_user.id
    ):
        raise NotFound(_("No such site."))
    return site


@bp.get("/sites/<int:site_id>")
def site(site_id: int) -> Page:
    place = _visible_site(site_id)
    scope = Scope(site_id=place.id)
    return render_template(
        "impact/site.html",
        site=place,
        recent=services.handovers(scope, RECENT_HANDOVERS),
        **_dashboard(scope),
    )


def _export_rows(organisation_id: int) -> tuple[str, exports.Period, list[dict[str, Any]]]:
    membership = require_membership(organisation_id, current_user)
    period = exports.parse_period(request.args)
    rows = [exports.record(h) for h in services.handovers(period.scope(organisation_id))]
    return membership.organisation.name, period, rows


def _attachment(body: str, mimetype: str, name: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/organisations/<int:organisation_id>/handovers.csv")
@login_required
def export_csv(organisation_id: int) -> Page:
    name, period, rows = _export_rows(organisation_id)
    return _attachment(exports.to_csv(rows), "text/csv", exports.filename(name, period, "csv"))


@bp.get("/organisations/<int:organisation_id>/handovers.json")
@login_required
def export_json(organisation_id: int) -> Page:
    try:
        name, period, rows = _export_rows(organisation_id)
    except MarketplaceError as error:
        # JSON clients get problem+json whatever they accept; the CSV answers with a page.
        return problem_response(error.status, str(error.message), error.problems)
    body = {
        "organisation": name,
        "from": period.first_day.isoformat(),
        "to": period.last_day.isoformat(),
        "count": len(rows),
        "handovers": rows,
    }
    return _attachment(
        json.dumps(body, ensure_ascii=False, indent=1),
        "application/json",
        exports.filename(name, period, "json"),
    )
