"""A listing's photos: attached in the listing's unit of work, files removed only after the
database has let go of them, so a failure never leaves an orphan file or a missing photo."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from marketplace.core.storage import FileStorage, storage_for
from marketplace.database import after_commit
from marketplace.errors import NotFound, ValidationError
from marketplace.extensions import db
from marketplace.listings.access import require_manager
from marketplace.listings.photo_processing import PreparedPhoto
from marketplace.models import Listing, ListingPhoto, User, audit

MAX_PHOTOS = 10


def _storage() -> FileStorage:
    return storage_for(current_app)


def check_room(listing_photos: int, adding: int) -> None:
    if listing_photos + adding > MAX_PHOTOS:
        raise ValidationError(
            _l("A listing can have at most %(count)d photos.", count=MAX_PHOTOS), field="photos"
        )


def attach_photos(listing: Listing, photos: list[PreparedPhoto]) -> list[str]:
    """Store the files and add their rows to the session; returns the stored keys so that the
    caller can remove them if its transaction fails."""
    check_room(len(listing.photos), len(photos))
    storage = _storage()
    stored: list[str] = []
    position = max((photo.position for photo in listing.photos), default=-1)
    for offset, photo in enumerate(photos, start=1):
        variants = {}
        for width, data in sorted(photo.variants.items()):
            variants[str(width)] = key = storage.save(data, ".jpg")
            stored.append(key)
        listing.photos.append(
            ListingPhoto(
                position=position + offset,
                variants=variants,
                width=photo.width,
                height=photo.height,
            )
        )
    return stored


def forget_stored(keys: list[str]) -> None:
    storage = _storage()
    for key in keys:
        storage.delete(key)


def _delete_after_commit(keys: list[str]) -> None:
    storage = _storage()

    def delete() -> None:
        for key in keys:
            storage.delete(key)

    after_commit(db.session, delete)


def add_photos(listing: Listing, actor: User, photos: list[PreparedPhoto]) -> None:
    require_manager(listing, actor)
    stored: list[str] = []
    try:
        stored = attach_photos(listing, photos)
        audit.record(actor, "listing.photos_added", "listing", listing.id, count=len(photos))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        forget_stored(stored)
        raise


def _photo_of(listing: Listing, photo_id: int) -> ListingPhoto:
    for photo in listing.photos:
        if photo.id == photo_id:
            return photo
    raise NotFound(_l("No such photo."))


def delete_photo(listing: Listing, actor: User, photo_id: int) -> None:
    require_manager(listing, actor)
    photo = _photo_of(listing, photo_id)
    listing.photos.remove(photo)
    _delete_after_commit(list(photo.variants.values()))
    audit.record(actor, "listing.photo_deleted", "listing", listing.id, photo=photo_id)
    db.session.commit()


def move_photo(listing: Listing, actor: User, photo_id: int, step: int) -> None:
    """Swap the photo with its neighbour; the first photo is the listing's cover."""
    require_manager(listing, actor)
    photos = sorted(listing.photos, key=lambda p: p.position)
    index = photos.index(_photo_of(listing, photo_id))
    other = index + step
    if step not in (-1, 1) or not 0 <= other < len(photos):
        return
    photos[index], photos[other] = photos[other], photos[index]
    for position, photo in enumerate(photos):
        photo.position = position
    audit.record(actor, "listing.photos_reordered", "listing", listing.id)
    db.session.commit()


def copy_photos(source: Listing, target: Listing) -> None:
    """Give a duplicated listing files of its own, so deleting one never breaks the other."""
    storage = _storage()
    for photo in source.photos:
        variants = {width: storage.copy(key) for width, key in photo.variants.items()}
        target.photos.append(
            ListingPhoto(
                position=photo.position, variants=variants, width=photo.width, height=photo.height
            )
        )
