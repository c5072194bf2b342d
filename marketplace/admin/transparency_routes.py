"""The yearly transparency report (DSA Art. 15), as a page and as CSV."""

from __future__ import annotations

from flask import abort, render_template, request
from werkzeug.wrappers import Response

from marketplace.admin import bp
from marketplace.admin.access import moderator_required
from marketplace.moderation import transparency
from marketplace.web.pages import Page


def _year() -> int:
    year = request.args.get("year", type=int) or transparency.current_year()
    if not 2000 <= year <= transparency.current_year():
        abort(404)
    return year


@bp.get("/transparency", endpoint="transparency")
@moderator_required
def transparency_page() -> Page:
    year = _year()
    return render_template(
        "admin/transparency.html", report=transparency.report(year), years=transparency.years()
    )


@bp.get("/transparency.csv")
@moderator_required
def transparency_csv() -> Response:
    found = transparency.report(_year())
    response = Response(transparency.csv_file(found), mimetype="text/csv")
    name = f"transparency-report-{found.year}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
