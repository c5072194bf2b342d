"""A partner's day through a client generated from the OpenAPI document, as an integrator
would: `openapi-python-client` (offline: it reads only the document) writes a typed client,
and that client, against the app served by waitress, reads the categories, searches, sends
a batch of its own `ItemInput` models, reads an item back and sends it again changed, lists
the reservations on its items, accepts one, and reads an error as a `Problem`. Its functions
are named after the document's operationIds."""

from __future__ import annotations

import importlib
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from flask import Flask

from marketplace.core.clock import today_in_finland
from marketplace.extensions import db
from marketplace.models import Listing, User
from marketplace.reservations import bookings
from marketplace.reservations.bookings import BookingRequest
from tests import support
from tests.partners.fixtures import LOCATION, PartnerHandle

pytestmark = pytest.mark.search
PACKAGE = "kera_client"


@pytest.fixture
def served(app: Flask) -> Iterator[str]:
    with support.served(app) as address:
        yield address


def generate(document: dict[str, Any], where: Path) -> None:
    """Write the client package `PACKAGE` into `where`, from the document alone."""
    (where / "openapi.json").write_text(json.dumps(document))
    # No formatting hooks: what is generated is imported as it is.
    (where / "config.yaml").write_text("post_hooks: []\n")
    generator = shutil.which("openapi-python-client", path=str(Path(sys.executable).parent))
    assert generator is not None
    command = [generator, "generate", "--path", "openapi.json", "--config", "config.yaml"]
    command += ["--output-path", PACKAGE, "--meta", "none"]
    finished = subprocess.run(
        command, cwd=where, capture_output=True, text=True, timeout=120, check=False
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    # A schema it could not turn into types would be reported here.
    assert "Warning" not in finished.stdout, finished.stdout


@pytest.fixture
def client_package(
    client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[str], ModuleType]]:
    generate(client.get("/api/v1/openapi.json").get_json(), tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))

    def module(name: str) -> ModuleType:
        return importlib.import_module(f"{PACKAGE}.{name}")

    yield module
    for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
        del sys.modules[name]


def test_a_partners_day_through_a_generated_client(
    served: str,
    partner: PartnerHandle,
    make_user: Callable[..., User],
    client_package: Callable[[str], ModuleType],
) -> None:
    kera = client_package("client")
    models = client_package("models")

    def call(tag: str, operation_id: str) -> ModuleType:
        # One module per operation, named after its operationId (listCategories →
        # list_categories), with sync() and sync_detailed().
        name = re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()
        return client_package(f"api.{tag}.{name}")

    with (
        kera.Client(base_url=f"{served}/api/v1") as public,
        kera.AuthenticatedClient(base_url=f"{served}/api/v1", token=partner.key) as mine,
    ):
        partners_day(public, mine, models, call, make_user)


def partners_day(
    public: Any,
    mine: Any,
    models: ModuleType,
    call: Callable[[str, str], ModuleType],
    make_user: Callable[..., User],
) -> None:

    # The categories, typed: an equipment type to rent out, a material type to sell.
    categories = call("catalogue", "listCategories").sync(client=public)
    assert isinstance(categories, models.CategoryList)
    kinds = {category.slug: category.kind for category in categories.items}
    assert kinds["facade-scaffolding"] == models.CategoryKind.EQUIPMENT
    assert kinds["common-bricks"] == models.CategoryKind.MATERIAL

    # A batch of the client's own models.
    site = models.Location.from_dict(LOCATION)
    scaffolding = models.ItemInput(
        external_id="SCAF-1",
        kind=models.ItemKind.RENTAL,
        title="Julkisivuteline 50 m²",
        category="facade-scaffolding",
        quantity="3",
        unit=models.Unit.SET,
        price=[
            models.Price(amount="45.00", per=models.PricePer.DAY),
            models.Price(amount="180.00", per=models.PricePer.WEEK),
        ],
        min_rental_days=2,
        deposit="200.00",
        location=site,
        attributes=models.Attributes.from_dict({"model": "Layher Blitz 70"}),
    )
    bricks = models.ItemInput(
        external_id="BRICK-1",
        kind=models.ItemKind.SALE,
        title="Punatiilet lavalla",
        category="common-bricks",
        quantity="500",
        unit=models.Unit.PCS,
        price=models.Price(amount="0.40", per=models.PricePer.UNIT),
        location=models.Location(name="Kera depot"),
    )
    batch = models.BatchRequest(mode=models.BatchMode.UPSERT, items=[scaffolding, bricks])
    result = call("inventory", "runInventoryBatch").sync(
        client=mine, body=batch, idempotency_key="day-1"
    )
    assert isinstance(result, models.BatchResult), result
    assert (result.counts.created, result.counts.failed) == (2, 0)

    # Read back in the shape it was written, then sent again changed.
    item = call("inventory", "getInventoryItem").sync(client=mine, external_id="SCAF-1")
    assert isinstance(item, models.Item)
    assert item.kind == models.ItemKind.RENTAL and item.status == models.ListingStatus.ACTIVE
    assert [(p.amount, p.per) for p in item.price] == [
        ("45.00", models.PricePer.DAY),
        ("180.00", models.PricePer.WEEK),
    ]
    assert item.location.address == LOCATION["address"]
    written = {name: value for name, value in item.to_dict().items() if name in INPUT_FIELDS}
    changed = models.ItemInput.from_dict({**written, "quantity": "4"})
    answer = call("inventory", "upsertInventoryItem").sync_detailed(
        client=mine, external_id="SCAF-1", body=changed
    )
    assert answer.status_code == 200 and isinstance(answer.parsed, models.ItemWritten)
    assert answer.parsed.result == models.WriteResult.UPDATED
    assert answer.parsed.item.quantity == "4"
    page = call("inventory", "listInventory").sync(client=mine, limit=1)
    assert isinstance(page, models.ItemPage) and len(page.items) == 1 and page.next_cursor

    # The public search finds the rental, as equipment.
    found = call("catalogue", "listListings").sync(client=public, q="julkisivuteline")
    assert isinstance(found, models.ListingPage)
    assert [listing.kind for listing in found.items] == [models.ListingKind.EQUIPMENT]

    # A resident books the scaffolding; the partner sees the request and accepts it.
    listing = db.session.get(Listing, item.id)
    assert listing is not None
    start = today_in_finland() + timedelta(days=3)
    request = BookingRequest(start, start + timedelta(days=2), 1, message="Katon korjaus")
    bookings.book_equipment(make_user(), listing, request)
    db.session.commit()
    requested = call("reservations", "listReservations").sync(
        client=mine, status=[models.ReservationStatus.REQUESTED]
    )
    assert isinstance(requested, models.ReservationPage) and len(requested.items) == 1
    booking = requested.items[0]
    assert booking.listing.external_id == "SCAF-1"
    accepted = call("reservations", "acceptReservation").sync(
        client=mine, reservation_id=booking.id, body=models.AcceptRequest()
    )
    assert isinstance(accepted, models.Reservation)
    assert accepted.status == models.ReservationStatus.ACCEPTED

    # An error is a Problem naming its field.
    wrong = models.ItemInput.from_dict({**written, "category": "no-such-category"})
    refused = call("inventory", "upsertInventoryItem").sync_detailed(
        client=mine, external_id="SCAF-1", body=wrong
    )
    assert refused.status_code == 422 and isinstance(refused.parsed, models.Problem)
    assert [error.field for error in refused.parsed.errors] == ["category"]


INPUT_FIELDS = {
    "external_id",
    "kind",
    "title",
    "description",
    "language",
    "category",
    "condition",
    "quantity",
    "unit",
    "price",
    "min_rental_days",
    "deposit",
    "location",
    "available_from",
    "available_until",
    "photos",
    "attributes",
}
