"""Loading the demo marketplace (`flask demo-data`): its people, organisations and sites,
then its listings and reservations. Loading it twice adds nothing twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from marketplace.auth import services as auth_services
from marketplace.demo.listings import ensure_listings
from marketplace.demo.moderation import approve_surveyed, ensure_moderation
from marketplace.demo.reservations import ensure_history, ensure_reservations
from marketplace.models import (
    Language,
    MemberRole,
    Organisation,
    OrganisationKind,
    Role,
    Site,
    User,
    VerificationStatus,
)
from marketplace.organisations import services as organisation_services
from marketplace.organisations import verification
from marketplace.organisations.verification import TraderDetails
from marketplace.sites import services as site_services
from marketplace.sites.services import SiteDetails

DEMO_PASSWORD = "kera-demo-2026"  # noqa: S105  (printed in the README; demo accounts only)


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    language: Language
    role: Role = Role.MEMBER


USERS = [
    DemoUser("admin@kera.example", "Kera Admin", Language.FI, Role.ADMIN),
    DemoUser("moderaattori@kera.example", "Satu Moderaattori", Language.FI, Role.MODERATOR),
    DemoUser("mikko.virtanen@rakennuskera.example", "Mikko Virtanen", Language.FI),
    DemoUser("aino.lehtonen@rakennuskera.example", "Aino Lehtonen", Language.FI),
    DemoUser("anna.lindqvist@albergainredning.example", "Anna Lindqvist", Language.SV),
    DemoUser("jari.nieminen@vuokrakone.example", "Jari Nieminen", Language.FI),
    DemoUser("ville.salo@espoo.example", "Ville Salo", Language.FI),
    DemoUser("laura.korhonen@example.fi", "Laura Korhonen", Language.FI),
    DemoUser("erik.sjoberg@example.fi", "Erik Sjöberg", Language.SV),
    DemoUser("sam.taylor@example.com", "Sam Taylor", Language.EN),
    DemoUser("pekka.puumalainen@puuosa.example", "Pekka Puumalainen", Language.FI),
]

# (name, kind, business ID, owner e-mail, further members)
ORGANISATIONS = [
    (
        "Rakennus Kera Oy",
        OrganisationKind.CONTRACTOR,
        "2874105-4",
        "mikko.virtanen@rakennuskera.example",
        ["aino.lehtonen@rakennuskera.example"],
    ),
    (
        "Alberga Inredning Ab",
        OrganisationKind.BUSINESS,
        "3012456-5",
        "anna.lindqvist@albergainredning.example",
        [],
    ),
    (
        "Vuokrakone Espoo Oy",
        OrganisationKind.RENTAL_PARTNER,
        "2769821-8",
        "jari.nieminen@vuokrakone.example",
        [],
    ),
    (
        "Espoon kaupunki – Kestävä Kera",
        OrganisationKind.PUBLIC_BODY,
        "0101263-6",
        "ville.salo@espoo.example",
        [],
    ),
    # Signed up and waiting for an administrator (the console's organisations page).
    (
        "Puuosa Kierrätys Oy",
        OrganisationKind.BUSINESS,
        "3187650-7",
        "pekka.puumalainen@puuosa.example",
        [],
    ),
]
PENDING = {"Puuosa Kierrätys Oy"}

# The trader details that buyers see on the businesses' listings (DSA Art. 30).
TRADERS = {
    "Rakennus Kera Oy": TraderDetails(
        "Keranportti 3", "02650", "Espoo", "+358 9 5550 1200", "myynti@rakennuskera.example"
    ),
    "Alberga Inredning Ab": TraderDetails(
        "Leppävaarankatu 7", "02600", "Espoo", "+358 9 5550 3400", "butik@albergainredning.example"
    ),
    "Vuokrakone Espoo Oy": TraderDetails(
        "Kilonrinne 10", "02610", "Espoo", "+358 9 5550 5600", "vuokraus@vuokrakone.example"
    ),
    "Puuosa Kierrätys Oy": TraderDetails(
        "Kauppamiehentie 6", "02150", "Espoo", "+358 9 5550 7800", "info@puuosa.example"
    ),
}

# (owner: organisation name or user e-mail, site details)
SITES = [
    (
        "Rakennus Kera Oy",
        SiteDetails(
            "Kera, kortteli 3 työmaa",
            "Keranportti 3",
            "02650",
            "Espoo",
            60.2172,
            24.7535,
            date(2026, 3, 1),
            date(2027, 8, 31),
        ),
    ),
    (
        "Rakennus Kera Oy",
        SiteDetails("Karamalmin varasto", "Karamalmintie 9", "02630", "Espoo", 60.2215, 24.7560),
    ),
    (
        "Alberga Inredning Ab",
        SiteDetails("Butiken i Alberga", "Leppävaarankatu 7", "02600", "Espoo", 60.2192, 24.8130),
    ),
    (
        "Vuokrakone Espoo Oy",
        SiteDetails("Vuokrakone Kilo", "Kilonrinne 10", "02610", "Espoo", 60.2170, 24.7830),
    ),
    (
        "Espoon kaupunki – Kestävä Kera",
        SiteDetails(
            "Kierrätyspiste Espoon keskus", "Kirkkojärventie 6", "02770", "Espoo", 60.2050, 24.6560
        ),
    ),
    (
        "laura.korhonen@example.fi",
        SiteDetails("Koti, Tapiola", "Tapionraitti 12", "02100", "Espoo", 60.1757, 24.8049),
    ),
    (
        "erik.sjoberg@example.fi",
        SiteDetails("Hemma i Mattby", "Matinkatu 4", "02230", "Espoo", 60.1600, 24.7390),
    ),
    (
        "sam.taylor@example.com",
        SiteDetails("Home, Otaniemi", "Otakaari 20", "02150", "Espoo", 60.1850, 24.8280),
    ),
]


def _ensure_users() -> tuple[dict[str, User], int]:
    users: dict[str, User] = {}
    created = 0
    for demo in USERS:
        user = auth_services.find_user_by_email(demo.email)
        if user is None:
            # Demo people are made up: they are taken to have accepted the terms.
            user = auth_services.create_user(
                demo.email,
                demo.name,
                DEMO_PASSWORD,
                demo.language,
                demo.role,
                accepted_terms=True,
            )
            created += 1
        users[demo.email] = user
    return users, created


def _verify(organisation: Organisation, owner: User) -> None:
    """As a real organisation goes: the owner gives the trader details, then the operator
    decides (as `flask orgs verify` does)."""
    trader = TRADERS.get(organisation.name)
    if trader is not None:
        verification.submit(organisation, owner, trader, certified=True)
    if organisation.name not in PENDING:
        verification.decide(organisation, None, VerificationStatus.VERIFIED, tell_owners=False)


def _ensure_organisations(users: dict[str, User]) -> tuple[dict[str, Organisation], int]:
    organisations: dict[str, Organisation] = {}
    created = 0
    for name, kind, business_id, owner, members in ORGANISATIONS:
        organisation = organisation_services.find_by_name(name)
        if organisation is None:
            organisation = organisation_services.create_organisation(
                users[owner], name, kind, business_id
            )
            _verify(organisation, users[owner])
            for email in members:
                organisation_services.add_member(
                    organisation, users[owner], email, MemberRole.MEMBER
                )
            created += 1
        organisations[name] = organisation
    return organisations, created


def _ensure_sites(users: dict[str, User], organisations: dict[str, Organisation]) -> int:
    created = 0
    for owner_key, details in SITES:
        organisation = organisations.get(owner_key)
        owner = users[owner_key] if organisation is None else None
        existing: list[Site] = (
            site_services.sites_of_organisation(organisation)
            if organisation
            else site_services.sites_of_user(users[owner_key])
        )
        if any(site.name == details.name for site in existing):
            continue
        if organisation is not None:
            actor = organisation.memberships[0].user
            site_services.create_site(actor, details, organisation)
        elif owner is not None:
            site_services.create_site(owner, details)
        created += 1
    return created


def load() -> str:
    users, new_users = _ensure_users()
    organisations, new_organisations = _ensure_organisations(users)
    new_sites = _ensure_sites(users, organisations)
    new_listings = ensure_listings(users, organisations)
    approve_surveyed(users)
    new_reservations = ensure_reservations(users)
    new_history = ensure_history(users)
    new_notices = ensure_moderation(users)
    return (
        f"{new_users} users, {new_organisations} organisations, {new_sites} sites added; "
        f"{new_listings} listings added; {new_reservations} reservations added; "
        f"{new_history} past handovers added; {new_notices} moderation notices added; "
        f"sign in as any demo user with the password {DEMO_PASSWORD}"
    )
