from __future__ import annotations

from flask import jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from marketplace import health
from marketplace.auth import services as auth_services
from marketplace.extensions import csrf, limiter
from marketplace.i18n import remember_language
from marketplace.links import is_safe_redirect
from marketplace.listings import browsing
from marketplace.main import bp
from marketplace.models import Language

NEWEST_ON_HOME = 6


@bp.get("/")
def home() -> str:
    newest = browsing.browse(browsing.BrowseFilters(), per_page=NEWEST_ON_HOME).items
    return render_template("main/home.html", newest=newest)


@bp.get("/accessibility")
def accessibility() -> str:
    return render_template("main/accessibility.html")


@bp.post("/language")
def switch_language() -> Response:
    chosen = request.form.get("language", "")
    if chosen in {language.value for language in Language}:
        remember_language(chosen)
        if current_user.is_authenticated:
            auth_services.set_locale(current_user, Language(chosen))
    target = request.form.get("next", "")
    return redirect(target if is_safe_redirect(target) else url_for(".home"))


@bp.get("/healthz")
@limiter.exempt
@csrf.exempt
def healthz() -> tuple[Response, int]:
    body, healthy = health.report()
    return jsonify(body), 200 if healthy else 503
