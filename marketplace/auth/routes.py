from __future__ import annotations

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from marketplace.auth import bp, services
from marketplace.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
)
from marketplace.errors import InvalidCredentials, ValidationError
from marketplace.extensions import limiter
from marketplace.models import Language, User
from marketplace.web.forms import attach_error, status_for
from marketplace.web.i18n import SESSION_KEY
from marketplace.web.links import safe_redirect_target
from marketplace.web.pages import Page


def _submitted_email() -> str:
    return services.normalise_email(request.form.get("email", ""))[:254]


def _account_key() -> str:
    return f"account:{_submitted_email()}"


def _account_from_ip_key() -> str:
    return f"account-ip:{_submitted_email()}|{get_remote_address()}"


def _failed(response: Response) -> bool:
    return response.status_code != 302


def _config_limit(name: str) -> str:
    return str(current_app.config[name])


def _sign_in(user: User, remember: bool) -> None:
    """Start a fresh session (new cookie contents and CSRF token) for a new sign-in."""
    language = session.get(SESSION_KEY)
    session.clear()
    if language:
        session[SESSION_KEY] = language
    services.start_sign_in(user, remember=remember, user_agent=request.user_agent.string)
    login_user(user, remember=remember, duration=current_app.config["REMEMBER_COOKIE_DURATION"])


def _after_sign_in_target() -> str:
    return safe_redirect_target(request.args.get("next"), url_for("main.home"))


@bp.route("/register", methods=["GET", "POST"])
def register() -> Page:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                form.email.data,
                form.display_name.data,
                form.password.data,
                Language(form.locale.data),
                accepted_terms=bool(form.accept_terms.data),
            )
        except ValidationError as error:
            attach_error(form, error, "email")
        else:
            _sign_in(user, remember=False)
            flash(_("Welcome to Kera Marketplace, %(name)s!", name=user.display_name), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/register.html", form=form), status_for(form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: _config_limit("RATELIMIT_LOGIN_PER_IP"), methods=["POST"])
@limiter.limit(
    lambda: _config_limit("RATELIMIT_LOGIN_PER_ACCOUNT"),
    methods=["POST"],
    key_func=_account_from_ip_key,
    deduct_when=_failed,
)
@limiter.limit(
    lambda: _config_limit("RATELIMIT_LOGIN_PER_ACCOUNT_ANYWHERE"),
    methods=["POST"],
    key_func=_account_key,
    deduct_when=_failed,
)
def login() -> Page:
    if current_user.is_authenticated:
        return redirect(_after_sign_in_target())
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except InvalidCredentials as error:
            attach_error(form, error, "password")
        else:
            _sign_in(user, remember=bool(form.remember.data))
            flash(_("Signed in. Welcome back, %(name)s.", name=user.display_name), "success")
            return redirect(_after_sign_in_target())
    return render_template("auth/login.html", form=form), status_for(form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    # CSRFProtect has already checked the token, as it does for every POST.
    if current_user.sign_in_token:
        services.end_sign_in(current_user.sign_in_token)
    language = session.get(SESSION_KEY)
    logout_user()
    session.clear()
    if language:
        session[SESSION_KEY] = language
    flash(_("You have signed out."), "info")
    return redirect(url_for("main.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: _config_limit("RATELIMIT_RESET_PER_IP"), methods=["POST"])
@limiter.limit(
    lambda: _config_limit("RATELIMIT_RESET_PER_ACCOUNT"), methods=["POST"], key_func=_account_key
)
def forgot_password() -> Page:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(
            _(
                "If an account exists for %(email)s, we have sent it a link to set a new "
                "password. The link works for one hour.",
                email=form.email.data,
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form), status_for(form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: _config_limit("RATELIMIT_RESET_PER_IP"), methods=["POST"])
def reset_password(token: str) -> Page:
    try:
        services.user_for_reset_token(token)
    except ValidationError as error:
        flash(str(error.message), "error")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except ValidationError as error:
            attach_error(form, error, "password")
        else:
            flash(_("Your password has been changed. Sign in with the new one."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), status_for(form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> Page:
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        services.update_profile(current_user, form.display_name.data, Language(form.locale.data))
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("auth.account"))
    sign_ins = services.live_sign_ins(current_user)
    return render_template(
        "auth/account.html",
        form=form,
        sign_ins=sign_ins,
        is_current=lambda s: services.is_current_sign_in(s, current_user.sign_in_token),
    ), status_for(form)


def _keep_signed_in_with(token: str) -> None:
    """Carry the current browser over to the sign-in that replaced the revoked ones."""
    remembered = current_app.config["REMEMBER_COOKIE_NAME"] in request.cookies
    current_user.sign_in_token = token
    login_user(
        current_user._get_current_object(),
        remember=remembered,
        duration=current_app.config["REMEMBER_COOKIE_DURATION"],
    )


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Page:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            token = services.change_password(
                current_user,
                form.current_password.data,
                form.new_password.data,
                current_user.sign_in_token,
            )
        except ValidationError as error:
            attach_error(form, error, "current_password")
        else:
            _keep_signed_in_with(token)
            flash(
                _("Your password has been changed, and every other device has been signed out."),
                "success",
            )
            return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form), status_for(form)


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere() -> Response:
    token = services.sign_out_everywhere(current_user, current_user.sign_in_token)
    _keep_signed_in_with(token)
    flash(_("Every other device has been signed out."), "success")
    return redirect(url_for("auth.account"))
