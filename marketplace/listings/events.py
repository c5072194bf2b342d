"""What happened to a listing, announced inside its transaction (as reservations/events.py
does for reservations).

Subscribers write in the same unit of work or, for slower work, queue it for after the commit
(`database.after_commit`), so a rolled-back publish announces nothing.
"""

from __future__ import annotations

from blinker import Namespace

from marketplace.models import Listing

_signals = Namespace()
listing_event = _signals.signal("listing-event")

# Published: the listing became active. Updated: an active listing's details changed (a
# lister's edit, or a partner's sync).
PUBLISHED = "listing.published"
UPDATED = "listing.updated"


def publish(listing: Listing, event: str) -> None:
    listing_event.send(listing, event=event)
