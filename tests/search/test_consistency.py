"""The index follows the database after commit, never before, and drift is found and mended."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from marketplace.core.clock import today_in_finland
from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.listings import services as listing_services
from marketplace.models import Listing, ListingStatus
from marketplace.search import listing_changed
from marketplace.search import services as search_services
from marketplace.search.backend import SearchUnavailable
from marketplace.search.indexing import extension
from marketplace.search.services import SearchPage
from marketplace.search.whoosh_backend import WhooshBackend
from marketplace.sites import services as site_services
from marketplace.sites.services import SiteDetails
from tests.search.conftest import WriteLock, ids, titles
from tests.support import Client, text

pytestmark = pytest.mark.search


def indexed(app: Flask) -> dict[int, list[str]]:
    return extension(app).backend.fingerprints()


def last_line(output: str) -> str:
    return output.strip().splitlines()[-1]


def test_a_rolled_back_listing_never_reaches_the_index(
    app: Flask,
    make_listing: Callable[..., Listing],
    details: Callable[..., Any],
    find: Callable[..., SearchPage],
    settle: Callable[[], None],
) -> None:
    first = make_listing(title="Ensimmäinen lava")
    ghost = Listing(owner=first.owner, status=ListingStatus.ACTIVE)
    for name in listing_services.COPIED_FIELDS:
        setattr(ghost, name, getattr(first, name))
    ghost.title = "Kummitustiilet"
    ghost.site = first.site
    ghost.quantity_total = ghost.quantity_available = first.quantity_total
    db.session.add(ghost)
    db.session.flush()
    ghost_id = ghost.id
    db.session.rollback()
    settle()
    assert ghost_id not in indexed(app)
    assert find(q="kummitustiilet").total == 0
    # SQLite hands the rolled-back id out again: the index must show the new listing under it.
    reused = make_listing(title="Oikeat tiilet")
    settle()
    assert titles(find(q="oikeat")) == ["Oikeat tiilet"]
    assert find(q="kummitustiilet").total == 0
    assert reused.id in indexed(app)


def test_a_service_that_fails_after_flushing_indexes_nothing(
    app: Flask,
    make_user: Callable[..., Any],
    make_site: Callable[..., Any],
    details: Callable[..., Any],
    settle: Callable[[], None],
) -> None:
    owner = make_user()
    site = make_site(owner)
    today = today_in_finland()
    expired = details(
        site,
        title="Vanhentunut ilmoitus",
        available_from=today - timedelta(days=10),
        available_until=today - timedelta(days=1),
    )
    # The listing is flushed (it gets an id) before publishing finds the date has passed.
    with pytest.raises(ValidationError):
        listing_services.create_listing(owner, expired, publish=True)
    settle()
    assert indexed(app) == {}


def test_a_change_flushed_by_autoflush_before_commit_is_indexed(
    app: Flask,
    make_listing: Callable[..., Listing],
    find: Callable[..., SearchPage],
    settle: Callable[[], None],
) -> None:
    listing = make_listing(title="Vanha otsikko")
    listing.title = "Uusi otsikko ikkunoille"
    # A query autoflushes the change; the commit then has nothing left to flush.
    db.session.scalar(sa.select(sa.func.count(Listing.id)))
    assert not db.session.dirty
    db.session.commit()
    settle()
    assert titles(find(q="ikkunoille")) == ["Uusi otsikko ikkunoille"]
    assert find(q="vanha").total == 0


def test_core_updates_are_indexed_when_named(
    app: Flask,
    make_listing: Callable[..., Listing],
    find: Callable[..., SearchPage],
    settle: Callable[[], None],
) -> None:
    listing = make_listing(title="Viimeiset tiilet")
    # What reservations do: a conditional Core UPDATE, then naming the listing.
    db.session.connection().execute(
        sa.text("UPDATE listings SET quantity_available = 0 WHERE id = :id"), {"id": listing.id}
    )
    listing_changed(db.session, listing.id)
    db.session.commit()
    settle()
    assert listing.id not in indexed(app)
    assert find(q="tiilet").total == 0


def test_orm_bulk_updates_are_followed(
    app: Flask,
    make_listing: Callable[..., Listing],
    find: Callable[..., SearchPage],
    settle: Callable[[], None],
) -> None:
    sold = make_listing(title="Loppuunmyyty lava")
    ending = make_listing(
        title="Päättyvä lava", available_until=today_in_finland() + timedelta(days=1)
    )
    kept = make_listing(title="Pysyvä lava", available_until=None)
    # An UPDATE that names its listing...
    db.session.execute(sa.update(Listing).where(Listing.id == sold.id).values(quantity_available=0))
    db.session.commit()
    # ...and one that does not (the expiry job): listings updated since are swept.
    listing_services.expire_listings(today_in_finland() + timedelta(days=5))
    settle()
    assert set(indexed(app)) == {kept.id}
    assert ids(find(q="lava")) == [kept.id]
    assert ending.id not in indexed(app)


def test_renaming_a_site_reindexes_its_listings(
    app: Flask,
    make_user: Callable[..., Any],
    make_organisation: Callable[..., Any],
    make_site: Callable[..., Any],
    make_listing: Callable[..., Listing],
    find: Callable[..., SearchPage],
    settle: Callable[[], None],
) -> None:
    owner = make_user()
    # An organisation's site: a private person's site name is not searchable at all.
    site = make_site(owner, make_organisation(owner))
    make_listing(owner=owner, site=site, title="Lauta")
    make_listing(owner=owner, site=site, title="Toinen lauta")
    site_services.update_site(
        site,
        owner,
        SiteDetails("Karamalmin varasto", "Karamalmintie 9", "02630", "Espoo", 60.2215, 24.7560),
    )
    settle()
    assert find(q="karamalmin").total == 2
    assert find(q="karamalmin", near="60.2215,24.7560", radius_km="0.1").total == 2


def _write_documents(name: str, location: str, start: int, count: int) -> None:
    """Run in a spawned process: write `count` documents one commit at a time."""
    from marketplace.search.backend import DocumentBatch
    from tests.search.conftest import open_backend
    from tests.search.test_backend_contract import document

    backend, close = open_backend(name, location)
    for number in range(start, start + count):
        batch = DocumentBatch([document(number, title=f"Yhteinen lava {number}")])
        backend.update(lambda batch=batch: batch, timeout=60)  # type: ignore[misc]
    close()


def test_two_processes_writing_at_once_both_land(standalone: tuple[str, str]) -> None:
    import multiprocessing

    from marketplace.search.backend import DocumentBatch
    from marketplace.search.query import SearchQuery
    from tests.search.conftest import open_backend

    backend, close = open_backend(*standalone)
    backend.update(DocumentBatch, timeout=5)  # the index exists before both start
    spawn = multiprocessing.get_context("spawn")
    workers = [
        spawn.Process(target=_write_documents, args=(*standalone, start, 50)) for start in (1, 101)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    assert len(backend.fingerprints()) == 100
    assert backend.search(SearchQuery(text="yhteinen", per_page=60), None).total == 100
    close()


def test_a_busy_index_never_fails_a_request(
    app_config: dict[str, Any],
    app: Flask,
    client: Client,
    make_listing: Callable[..., Listing],
    find: Callable[..., SearchPage],
    settle: Callable[[], None],
    write_lock: WriteLock,
) -> None:
    app.config.update(SEARCH_LOCK_TIMEOUT=0.1)
    search = extension(app)
    search.wait = 0.2
    search.sync.lock_timeout = 0.1
    listing = make_listing(title="Kiireinen lava")
    owner_email = listing.owner.email
    settle()  # the listing's own index write may outlast the short wait on a loaded machine
    lock = write_lock
    assert lock.acquire()
    try:
        client.sign_in(owner_email)
        started = time.monotonic()
        response = client.submit(f"/listings/{listing.id}/pause")
        assert response.status_code == 302
        assert time.monotonic() - started < 5
        # The search re-checks the database: the paused listing is not shown meanwhile.
        assert find(q="kiireinen").total == 0
    finally:
        lock.release()
    settle()  # the writer retried once the lock was free
    assert listing.id not in indexed(app)


def test_a_writer_waits_for_the_lock(
    app: Flask, make_listing: Callable[..., Listing], write_lock: WriteLock
) -> None:
    listing = make_listing(title="Odottava lava")
    search = extension(app)
    assert write_lock.acquire()
    releaser = threading.Timer(0.3, write_lock.release)
    releaser.start()
    from marketplace.search.indexing import Changes

    assert search.sync.apply(Changes(listings={listing.id})) == 1
    releaser.join()
    assert write_lock.acquire()
    with pytest.raises(SearchUnavailable):
        search.backend.update(lambda: search_services.resolve_batch({listing.id}), timeout=0.1)
    write_lock.release()


def test_reindex_while_searching(
    app: Flask,
    make_user: Callable[..., Any],
    make_site: Callable[..., Any],
    make_listing: Callable[..., Listing],
    find: Callable[..., SearchPage],
    settle: Callable[[], None],
) -> None:
    owner = make_user()
    site = make_site(owner)
    for number in range(12):
        make_listing(owner=owner, site=site, title=f"Kattotiili {number}")
    settle()
    failures: list[BaseException] = []
    totals: set[int] = set()
    stop = threading.Event()

    def search_meanwhile() -> None:
        with app.app_context():
            while not stop.is_set():
                try:
                    totals.add(find(q="kattotiili").total)
                except BaseException as error:  # any failure fails the test
                    failures.append(error)
                    return
                finally:
                    db.session.remove()

    searcher = threading.Thread(target=search_meanwhile)
    searcher.start()
    late: list[Listing] = []
    search = extension(app)
    original = search.backend.rebuild

    def rebuild_with_a_change_midway(documents: Any, catch_up: Any) -> Any:
        def documents_then_change() -> Any:
            for number, document in enumerate(documents()):
                if number == 5:
                    # Committed while the new index is being built from an older snapshot.
                    late.append(make_listing(owner=owner, site=site, title="Kattotiili myöhässä"))
                yield document

        return original(documents_then_change, catch_up)

    try:
        search.backend.rebuild = rebuild_with_a_change_midway  # type: ignore[method-assign]
        report = search_services.reindex()
        search.backend.rebuild = original  # type: ignore[method-assign]
        second = search_services.reindex()
    finally:
        stop.set()
        searcher.join(30)
    assert not failures, failures
    assert report.caught_up >= 1
    assert totals <= {12, 13}
    assert find(q="kattotiili").total == 13
    assert late[0].id in indexed(app)
    if isinstance(search.backend, WhooshBackend):
        # Old index directories are removed, keeping only the one before the current one.
        store = search.backend.store
        assert len(store.directories()) == 2
        assert store.current().name == second.location
    assert search_services.check().drift == []


def test_check_finds_planted_drift_and_repairs_it(
    app: Flask,
    runner: FlaskCliRunner,
    make_listing: Callable[..., Listing],
    find: Callable[..., SearchPage],
    settle: Callable[[], None],
) -> None:
    missing = make_listing(title="Puuttuva")
    stale = make_listing(title="Vanhentunut")
    extra = make_listing(title="Ylimääräinen")
    fine = make_listing(title="Kunnossa")
    settle()
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0, result.output
    assert last_line(result.output) == (
        "search index: 4 searchable listings, 4 indexed: 0 missing, 0 stale, 0 extra"
    )
    backend = extension(app).backend
    backend.update(lambda: _removal(missing.id), timeout=5)
    # Changes made behind the ORM's back, without naming the listings.
    db.session.execute(
        sa.text("UPDATE listings SET title = 'Uusi nimi' WHERE id = :id"), {"id": stale.id}
    )
    db.session.execute(
        sa.text("UPDATE listings SET status = 'closed' WHERE id = :id"), {"id": extra.id}
    )
    db.session.commit()
    settle()
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1
    assert f"missing: {missing.id}" in result.output
    assert f"stale: {stale.id}" in result.output
    assert f"extra: {extra.id}" in result.output
    assert last_line(result.output) == (
        "search index: 3 searchable listings, 3 indexed: 1 missing, 1 stale, 1 extra"
    )
    result = runner.invoke(args=["search", "check", "--repair"])
    assert result.exit_code == 0, result.output
    assert last_line(result.output) == (
        "repaired 3 listings; now 3 searchable listings, 3 indexed: 0 missing, 0 stale, 0 extra"
    )
    assert titles(find(q="uusi")) == ["Uusi nimi"]
    assert fine.id in indexed(app)


def _removal(listing_id: int) -> Any:
    from marketplace.search.backend import DocumentBatch

    return DocumentBatch(removed=[listing_id])


def test_a_stale_entry_is_never_shown_and_mends_itself(
    app: Flask,
    client: Client,
    make_listing: Callable[..., Listing],
    find: Callable[..., SearchPage],
    settle: Callable[[], None],
) -> None:
    closed = make_listing(title="Suljettu sohva")
    make_listing(title="Avoin sohva")
    settle()
    db.session.execute(
        sa.text("UPDATE listings SET status = 'closed' WHERE id = :id"), {"id": closed.id}
    )
    db.session.commit()
    assert closed.id in indexed(app)  # the index does not know yet
    page = find(q="sohva")
    assert titles(page) == ["Avoin sohva"]
    assert page.total == 1
    assert "Suljettu sohva" not in text(client.get("/listings/?q=sohva"))
    settle()
    assert closed.id not in indexed(app)


def test_reindex_and_check_commands(
    app: Flask, runner: FlaskCliRunner, make_listing: Callable[..., Listing]
) -> None:
    make_listing(title="Lauta")
    make_listing(title="Toinen lauta", publish=False)
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert last_line(result.output).startswith("reindexed 1 listings in ")
    result = runner.invoke(args=["search", "check"])
    assert last_line(result.output) == (
        "search index: 1 searchable listings, 1 indexed: 0 missing, 0 stale, 0 extra"
    )


def test_health_reports_the_index(app: Flask, client: Client, make_listing: Any) -> None:
    make_listing()
    search = client.get("/healthz").get_json()["search"]
    assert search["status"] == "ok" and search["backend"] == app.config["SEARCH_BACKEND"]
    assert search["built"] is True and search["documents"] == 1


def test_documents_follow_from_listing_state(app: Flask, make_listing: Any) -> None:
    listing = make_listing(title="Lauta")
    batch = search_services.resolve_batch({listing.id, 999_999})
    assert [document.listing_id for document in batch.documents] == [listing.id]
    assert batch.removed == [999_999]
    assert replace(batch.documents[0], title="x").fingerprint() != batch.documents[0].fingerprint()
