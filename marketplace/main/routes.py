from __future__ import annotations

from flask import jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from marketplace.auth import services as auth_services
from marketplace.extensions import csrf, limiter
from marketplace.listings import browsing
from marketplace.mail import notifications
from marketplace.main import bp
from marketplace.models import Language
from marketplace.ops import health
from marketplace.web.i18n import remember_language
from marketplace.web.links import safe_redirect_target

NEWEST_ON_HOME = 6


@bp.get("/")
def home() -> str:
    newest = browsing.newest(NEWEST_ON_HOME)
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
    return redirect(safe_redirect_target(request.form.get("next"), url_for(".home")))


@bp.get("/healthz")
@limiter.exempt
@csrf.exempt
def healthz() -> tuple[Response, int]:
    body, healthy = health.report()
    if not health.details_allowed(request.headers, request.remote_addr):
        body = {"status": body["status"]}
    return jsonify(body), 200 if healthy else 503


@bp.get("/notifications")
@login_required
def notifications_page() -> str:
    items = notifications.recent(current_user)
    return render_template(
        "main/notifications.html",
        items=items,
        unread=any(item.read_at is None for item in items),
        notification_link=notifications.link_of,
    )


@bp.post("/notifications/read")
@login_required
def read_notifications() -> Response:
    notifications.mark_all_read(current_user)
    return redirect(url_for(".notifications_page"))
