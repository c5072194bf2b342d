"""The bodies of API v1, each declared once: the answers are built from these models
(`serializers`), the requests are checked with them (`access.read_body`), and the OpenAPI
document is their JSON Schema (`openapi`).

The inventory endpoints answer in the shape partners write (`Item` is an `ItemInput` with what
the marketplace adds), so an item read back can be sent again as it is. The public catalogue
answers with `Listing`, whose `kind` is the listing's: an item's rental is equipment, its sale
and free are material.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from flask_babel import lazy_gettext as _l
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SkipValidation,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from marketplace.core.inputs import QUANTITY
from marketplace.models import (
    CategoryKind,
    Condition,
    Language,
    ListingKind,
    ListingSource,
    ListingStatus,
    ReservationStatus,
    Unit,
)
from marketplace.partners.fetching import FetchError, check_url
from marketplace.partners.items import ExternalId, ItemInput, Price
from marketplace.partners.model_errors import fail
from marketplace.partners.model_types import (
    HTTP_URL,
    HTTPS_URL,
    ApiModel,
    DayOut,
    DecimalText,
    Moment,
    Pattern,
    Text,
)
from marketplace.partners.sync_report import Outcome
from marketplace.web.error_responses import FieldError


class Answer(BaseModel):
    """An answer of the API. Fields left unset (like `distance_km` without a point) are left
    out of the JSON."""

    model_config = ConfigDict(extra="forbid")

    def document(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


Quantity = Annotated[Decimal, DecimalText(QUANTITY)]
DecimalString = Annotated[str, Field(pattern=r"^\d+(\.\d+)?$", examples=["12.5"])]
Money = Annotated[str, Field(pattern=r"^\d+\.\d{2}$", examples=["45.00"])]
Url = Annotated[str, Field(json_schema_extra={"format": "uri"})]


# The public catalogue


class ListingCategory(Answer):
    slug: str
    name: str = Field(description="In the request's language (Accept-Language), else Finnish.")


class ListingLocation(Answer):
    name: str | None = Field(default=None, description="The site's name; absent when approximate.")
    city: str
    postal_code: str
    lat: float
    lon: float
    approximate: bool = Field(
        description=(
            "true for a private person's place: only its postal area is given, and lat/lon "
            "are the centre of a fixed grid cell of about 500 m that holds it (show it as an "
            "area, not a pin). Organisations' places are exact."
        )
    )


class Listing(Answer):
    """A public listing. Its `kind` is material, equipment or wanted; a partner's item of
    kind rental is equipment, sale and free are material (free ones have no price)."""

    id: int
    url: Url
    kind: ListingKind
    title: str
    description: str
    language: Language
    category: ListingCategory
    condition: Condition | None
    quantity_total: DecimalString
    quantity_available: DecimalString
    unit: Unit
    price: Price | None = Field(description="Rentals show their day price, else the week's.")
    min_rental_days: int | None
    deposit: Money | None
    location: ListingLocation
    distance_km: float | None = Field(
        default=None,
        description="Only when searching near a point; measured to location's lat/lon.",
    )
    available_from: DayOut
    available_until: DayOut | None
    photos: list[Url]
    organisation: str | None
    status: ListingStatus
    created_at: Moment
    updated_at: Moment


class Facets(Answer):
    """How many listings match per family and product type slug, kind and condition."""

    category: dict[str, int]
    kind: dict[str, int]
    condition: dict[str, int]


class ListingPage(Answer):
    items: list[Listing]
    total: int
    page: int
    per_page: int
    facets: Facets


class CategoryNames(Answer):
    fi: str
    sv: str
    en: str


class Category(Answer):
    slug: str
    family: str | None = Field(description="The family's slug; null for a family itself.")
    kind: CategoryKind
    names: CategoryNames
    default_unit: Unit
    default_mass_kg: DecimalString | None
    ewc_code: str | None
    hazardous: bool
    emission_factor: DecimalString | None
    emission_factor_source: str | None
    active: bool


class CategoryList(Answer):
    items: list[Category] = Field(description="Families, each followed by its product types.")


# The partner's inventory


class ItemSource(StrEnum):
    API = ListingSource.API.value
    FEED = ListingSource.FEED.value


class Item(ItemInput):
    """One of the partner's items, in the shape it is written (`ItemInput`: a rental's
    prices per day and week, its site's full address, the photo URLs as sent), with what the
    marketplace adds: its listing's id, address, status and copies of the photos."""

    external_id: ExternalId
    id: int = Field(description="The listing's id (GET /listings/{id} when it is active).")
    url: Url
    status: ListingStatus
    source: ItemSource
    quantity_available: Quantity
    hosted_photos: list[Url] = Field(description="The marketplace's copies of `photos`.")
    created_at: Moment
    updated_at: Moment

    def document(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class ItemPage(Answer):
    items: list[Item] = Field(description="Least recently updated first.")
    next_cursor: str | None = Field(description="For the next page; null on the last one.")


class WriteResult(StrEnum):
    CREATED = Outcome.CREATED.value
    UPDATED = Outcome.UPDATED.value
    UNCHANGED = Outcome.UNCHANGED.value
    WITHDRAWN = Outcome.WITHDRAWN.value


class ItemWritten(Answer):
    result: WriteResult
    item: Item


class BatchMode(StrEnum):
    UPSERT = "upsert"
    REPLACE = "replace"


def _replace_needs_items(schema: dict[str, Any]) -> None:
    schema["if"] = {"properties": {"mode": {"const": "replace"}}, "required": ["mode"]}
    schema["then"] = {"properties": {"items": {"minItems": 1}}}


class BatchRequest(ApiModel):
    """Up to 1000 items (API_BATCH_MAX_ITEMS; more is 413). Each item is checked and applied
    on its own: an invalid item fails in its result, and the answer is still 200. Replace mode
    withdraws the partner's items the batch does not name, so it needs at least one item."""

    model_config = ConfigDict(json_schema_extra=_replace_needs_items)

    mode: BatchMode = BatchMode.UPSERT
    # Checked one by one by the batch, not here: see the docstring.
    items: Annotated[list[SkipValidation[ItemInput]], Field(json_schema_extra={"maxItems": 1000})]


class ItemResult(Answer):
    index: int | None = Field(description="The item's place in the batch; null if withdrawn.")
    external_id: str | None
    result: Outcome
    status: int = Field(description="The status a PUT of this item alone would have had.")
    listing_id: int | None
    errors: list[FieldError]


class BatchCounts(Answer):
    received: int
    created: int
    updated: int
    unchanged: int
    withdrawn: int
    failed: int


class BatchResult(Answer):
    mode: BatchMode
    sync_run_id: int
    counts: BatchCounts
    results: list[ItemResult]
    withdrawn: list[ItemResult]


# Reservations on the partner's items


class ReservationListing(Answer):
    id: int
    external_id: str | None
    title: str
    url: Url


class ReservationPrice(Answer):
    amount: Money | None
    currency: str = Field(json_schema_extra={"const": "EUR"})


class Requester(Answer):
    name: str = Field(description="The display name only: no e-mail address.")


class Reservation(Answer):
    id: int
    status: ReservationStatus
    listing: ReservationListing
    quantity: DecimalString
    unit: Unit
    start_date: DayOut | None
    end_date: DayOut | None
    pickup_at: Moment | None
    message: str
    price: ReservationPrice
    deposit: Money | None
    requester: Requester
    reason: str
    expires_at: Moment | None
    created_at: Moment
    updated_at: Moment
    requested_at: Moment | None
    accepted_at: Moment | None
    completed_at: Moment | None
    closed_at: Moment | None


class ReservationPage(Answer):
    items: list[Reservation] = Field(description="Least recently updated first.")
    next_cursor: str | None = Field(description="For the next page; null on the last one.")


class AcceptRequest(ApiModel):
    """No body, or an empty object."""


class DeclineRequest(ApiModel):
    reason: Annotated[str, Text(0, 500, multiline=True)] = ""


class CompleteRequest(ApiModel):
    code: Annotated[
        str, Text(1, 20, description="The requester's pickup code; another is refused (422).")
    ]


# Webhooks


class WebhookEvent(StrEnum):
    REQUESTED = "reservation.requested"
    ACCEPTED = "reservation.accepted"
    DECLINED = "reservation.declined"
    CANCELLED = "reservation.cancelled"
    EXPIRED = "reservation.expired"
    COMPLETED = "reservation.completed"
    PAYMENT_SUCCEEDED = "payment.succeeded"
    PAYMENT_REFUNDED = "payment.refunded"


class Webhook(Answer):
    id: int
    url: Url
    events: list[WebhookEvent]
    description: str
    created_at: Moment


class NewWebhook(Webhook):
    secret: str = Field(description="Signs the deliveries. Shown in this answer only: keep it.")


class WebhookList(Answer):
    items: list[Webhook]


class WebhookInput(ApiModel):
    """An endpoint that receives reservation events. A partner has at most 10 (the 11th is
    refused with 422), each at an https URL of a public host (not localhost, nor a private,
    loopback or reserved address)."""

    url: Annotated[
        str,
        WithJsonSchema(
            {"type": "string", "format": "uri", "pattern": HTTPS_URL, "maxLength": 2000}
        ),
    ]
    events: Annotated[list[WebhookEvent], Field(min_length=1)] | None = Field(
        default=None, description="Every event if left out."
    )
    description: Annotated[str, Text(0, 200)] = ""

    @field_validator("url", mode="plain")
    @classmethod
    def _receiver(cls, url: Any, info: ValidationInfo) -> str:
        """https only, unless the operator lets partners' URLs reach private addresses
        (PARTNERS_ALLOW_PRIVATE_URLS, passed as the context `allow_private`)."""
        context = info.context if isinstance(info.context, dict) else {}
        if not isinstance(url, str):
            raise fail(_l("Give the URL that receives the events."))
        try:
            check_url(url)
        except FetchError as error:
            raise fail(error) from None
        if not context.get("allow_private") and not url.startswith("https://"):
            raise fail(_l("Webhook URLs must use https."))
        pattern = HTTP_URL if context.get("allow_private") else HTTPS_URL
        return Pattern(pattern, _l("The URL is not valid."), max_length=2000).check(url)
