"""The partner's pages: API keys, webhooks with their delivery history, the feed, the sync
history, and the API documentation. Members see them; owners change them. Secrets (a new
key, a new webhook secret) are shown in the answer to the form that made them, once, and
never pass through the session."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.core.clock import today_in_finland
from marketplace.core.inputs import whole_number
from marketplace.errors import MarketplaceError
from marketplace.models import FeedFormat, FeedSource, MemberRole, Membership
from marketplace.organisations.services import (
    memberships_of,
    require_membership,
    require_owner,
)
from marketplace.partners import bp, feeds, keys, sync_history, webhooks
from marketplace.partners.forms import (
    EVENT_LABELS,
    SCOPE_LABELS,
    STATUS_LABELS,
    ChosenForm,
    FeedForm,
    KeyForm,
    WebhookForm,
)
from marketplace.web.forms import attach_error
from marketplace.web.links import external_url
from marketplace.web.pages import Page

PREFIX = "/organisations/<int:organisation_id>/partner"


def _page(template: str, membership: Membership, status: int = 200, **values: Any) -> Page:
    return render_template(
        f"partners/{template}.html",
        organisation=membership.organisation,
        is_owner=membership.role == MemberRole.OWNER,
        scope_labels=SCOPE_LABELS,
        event_labels=EVENT_LABELS,
        status_labels=STATUS_LABELS,
        chosen=ChosenForm(formdata=None),
        **values,
    ), status


@bp.get("/partners/")
@login_required
def home() -> Page:
    memberships = memberships_of(current_user)
    if len(memberships) == 1:
        return redirect(url_for(".overview", organisation_id=memberships[0].organisation_id))
    return render_template("partners/home.html", memberships=memberships)


@bp.get("/partners/docs")
def docs() -> Page:
    api_base = external_url("api.categories").removesuffix("/categories")
    today = today_in_finland()
    return render_template(
        "partners/docs.html",
        api_base=api_base,
        # The examples work as they are, on the day they are read.
        example_today=today.isoformat(),
        example_until=(today + timedelta(days=180)).isoformat(),
        scopes=keys.SCOPES,
        scope_labels=SCOPE_LABELS,
        events=webhooks.EVENTS,
        columns=sorted(feeds.COLUMNS),
    )


# Keys


def _key_form(membership: Membership) -> KeyForm:
    if membership.organisation.verified:
        return KeyForm(formdata=None)
    return KeyForm(formdata=None, scopes=list(keys.READ_SCOPES))


def _keys_page(membership: Membership, form: KeyForm | None = None, **values: Any) -> Page:
    return _page(
        "keys",
        membership,
        form=form or _key_form(membership),
        keys=keys.keys_of(membership.organisation),
        write_scopes=keys.WRITE_SCOPES,
        **values,
    )


@bp.get(PREFIX)
@login_required
def overview(organisation_id: int) -> Page:
    return _keys_page(require_membership(organisation_id, current_user))


@bp.post(f"{PREFIX}/keys")
@login_required
def create_key(organisation_id: int) -> Page:
    membership = require_owner(organisation_id, current_user)
    form = KeyForm()
    if form.validate_on_submit():
        try:
            created = keys.create_key(
                membership.organisation, current_user, form.name.data, form.scopes.data
            )
        except MarketplaceError as error:
            attach_error(form, error, "name")
        else:
            return _keys_page(membership, new_key=created)
    return _keys_page(membership, form, status=422)


def _chosen_id() -> int | None:
    form = ChosenForm()
    if not form.validate_on_submit():
        return None
    try:
        return whole_number(str(form.target.data))
    except ValueError:
        return None


@bp.post(f"{PREFIX}/keys/revoke")
@login_required
def revoke_key(organisation_id: int) -> Page:
    membership = require_owner(organisation_id, current_user)
    key_id = _chosen_id()
    if key_id is None:
        flash(_("Choose the key to revoke."), "error")
    else:
        key = keys.revoke_key(membership.organisation, current_user, key_id)
        flash(_("The key “%(name)s” no longer works.", name=key.name), "success")
    return redirect(url_for(".overview", organisation_id=organisation_id))


# Webhooks


def _webhooks_page(membership: Membership, form: WebhookForm | None = None, **values: Any) -> Page:
    organisation_id = membership.organisation_id
    return _page(
        "webhooks",
        membership,
        form=form or WebhookForm(formdata=None),
        endpoints=webhooks.endpoints_of(organisation_id),
        deliveries=webhooks.recent_deliveries(organisation_id),
        **values,
    )


@bp.get(f"{PREFIX}/webhooks")
@login_required
def webhooks_page(organisation_id: int) -> Page:
    return _webhooks_page(require_membership(organisation_id, current_user))


@bp.post(f"{PREFIX}/webhooks")
@login_required
def create_webhook(organisation_id: int) -> Page:
    membership = require_owner(organisation_id, current_user)
    form = WebhookForm()
    if form.validate_on_submit():
        try:
            created = webhooks.create_endpoint(
                membership.organisation,
                current_user,
                form.url.data,
                form.events.data,
                form.description.data or "",
            )
        except MarketplaceError as error:
            attach_error(form, error, "url")
        else:
            return _webhooks_page(membership, new_endpoint=created)
    return _webhooks_page(membership, form, status=422)


@bp.post(f"{PREFIX}/webhooks/delete")
@login_required
def delete_webhook(organisation_id: int) -> Page:
    membership = require_owner(organisation_id, current_user)
    endpoint_id = _chosen_id()
    if endpoint_id is None:
        flash(_("Choose the endpoint to remove."), "error")
    else:
        webhooks.delete_endpoint(membership.organisation, current_user, endpoint_id)
        flash(_("The endpoint was removed; it gets no more events."), "success")
    return redirect(url_for(".webhooks_page", organisation_id=organisation_id))


# Feed


def _feed_form(feed: FeedSource | None) -> FeedForm:
    if feed is None:
        return FeedForm(formdata=None)
    return FeedForm(
        formdata=None,
        url=feed.url,
        format=feed.format.value,
        interval_minutes=feed.interval_minutes,
        enabled=feed.enabled,
    )


def _feed_page(membership: Membership, form: FeedForm | None = None, status: int = 200) -> Page:
    feed = feeds.feed_of(membership.organisation_id)
    return _page("feed", membership, status, form=form or _feed_form(feed), feed=feed)


@bp.get(f"{PREFIX}/feed")
@login_required
def feed_page(organisation_id: int) -> Page:
    return _feed_page(require_membership(organisation_id, current_user))


@bp.post(f"{PREFIX}/feed")
@login_required
def save_feed(organisation_id: int) -> Page:
    membership = require_owner(organisation_id, current_user)
    form = FeedForm()
    if form.validate_on_submit():
        try:
            feeds.save_feed(
                membership.organisation,
                current_user,
                form.url.data,
                FeedFormat(form.format.data),
                form.interval_minutes.data,
                bool(form.enabled.data),
            )
        except MarketplaceError as error:
            attach_error(form, error, "url")
        else:
            flash(_("The feed is saved."), "success")
            return redirect(url_for(".feed_page", organisation_id=organisation_id))
    return _feed_page(membership, form, status=422)


@bp.post(f"{PREFIX}/feed/delete")
@login_required
def delete_feed(organisation_id: int) -> Page:
    membership = require_owner(organisation_id, current_user)
    if feeds.feed_of(organisation_id) is not None:
        feeds.delete_feed(membership.organisation, current_user)
        flash(_("The feed is removed; its items stay until you withdraw them."), "success")
    else:
        flash(_("No feed is set up."), "error")
    return redirect(url_for(".feed_page", organisation_id=organisation_id))


@bp.post(f"{PREFIX}/feed/pull")
@login_required
def pull_feed(organisation_id: int) -> Page:
    require_owner(organisation_id, current_user)
    feed = feeds.feed_of(organisation_id)
    if feed is None:
        flash(_("Set up a feed first."), "error")
        return redirect(url_for(".feed_page", organisation_id=organisation_id))
    run = feeds.pull(feed.id, force=True)
    if run is None:
        flash(_("The feed is being pulled right now; look at the sync history soon."), "info")
    else:
        flash(_("The feed was pulled: see the sync history."), "success")
    return redirect(url_for(".sync_page", organisation_id=organisation_id))


# Sync history


@bp.get(f"{PREFIX}/sync")
@login_required
def sync_page(organisation_id: int) -> Page:
    membership = require_membership(organisation_id, current_user)
    return _page("sync", membership, runs=sync_history.runs_of(membership.organisation))
