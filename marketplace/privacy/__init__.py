"""People's data rights (GDPR) and the terms of use: the privacy notice and terms pages, the
terms accepted and asked for again when they change, downloading one's data, deleting one's
account, and the retention job that removes what is kept no longer."""

from flask import Blueprint

bp = Blueprint("privacy", __name__)

from marketplace.privacy import routes, terms  # noqa: E402, F401

bp.before_app_request(terms.ask_for_new_terms)
