"""The demo marketplace's listings: what a Kera building site, a shop refit, a rental depot, a
school renovation and three households would offer or ask for in late 2026.

Each listing is created through the listing services, as a user would create it, with drawn
photos. A listing already there (same owner and title) is left alone, so loading twice adds
nothing twice.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from marketplace.demo_photos import demo_photo
from marketplace.extensions import db
from marketplace.listings.photos import PreparedPhoto, prepare_photo
from marketplace.listings.services import (
    ListingDetails,
    create_listing,
    pause_listing,
    today_in_finland,
)
from marketplace.models import (
    Category,
    Condition,
    HazardStatus,
    Language,
    Listing,
    ListingKind,
    ListingStatus,
    Organisation,
    PriceModel,
    Site,
    Unit,
    User,
)
from marketplace.sites import services as site_services

MATERIAL, EQUIPMENT, WANTED = ListingKind.MATERIAL, ListingKind.EQUIPMENT, ListingKind.WANTED
FREE, PER_UNIT, PER_LOT, RENTAL = (
    PriceModel.FREE,
    PriceModel.PER_UNIT,
    PriceModel.PER_LOT,
    PriceModel.RENTAL,
)
NEW, LIKE_NEW, GOOD, FAIR, FOR_PARTS = (
    Condition.NEW_SURPLUS,
    Condition.LIKE_NEW,
    Condition.GOOD,
    Condition.FAIR,
    Condition.FOR_PARTS,
)
DRAFT, PAUSED = ListingStatus.DRAFT, ListingStatus.PAUSED


@dataclass(frozen=True)
class Lister:
    """Who lists a group of listings, from where, in which language, with what pickup terms."""

    owner: str
    site: str
    language: Language
    pickup: str
    organisation: str | None = None


@dataclass(frozen=True)
class DemoListing:
    category: str
    title: str
    description: str
    # In the category's default unit unless `unit` says otherwise.
    quantity: str
    kind: ListingKind = MATERIAL
    condition: Condition | None = GOOD
    price_model: PriceModel = FREE
    # Per unit, per lot, or per day for rentals.
    price_cents: int | None = None
    week_price_cents: int | None = None
    deposit_cents: int | None = None
    min_rental_days: int | None = None
    unit: Unit | None = None
    # Only where the item differs clearly from the category's default mass.
    mass_per_unit_kg: str | None = None
    delivery_possible: bool = False
    # A hazardous-substance survey note marks the listing as demolition material declared clean.
    survey: str = ""
    photos: int = 2
    # ACTIVE publishes; DRAFT leaves it unpublished; PAUSED publishes and then pauses.
    status: ListingStatus = ListingStatus.ACTIVE
    # Overrides of the group's Lister.
    owner: str | None = None
    site: str | None = None
    language: Language | None = None
    pickup: str | None = None


# --- Rakennus Kera Oy: leftovers of a residential block under construction -------------------

MIKKO = "mikko.virtanen@rakennuskera.example"
AINO = "aino.lehtonen@rakennuskera.example"
KORTTELI_3 = "Kera, kortteli 3 työmaa"
KARAMALMI = "Karamalmin varasto"
SITE_PICKUP = (
    "Nouto arkisin klo 7–15 työmaan portilta (Keranportti 3), ilmoittaudu työmaatoimistoon. "
    "Kypärä ja huomioliivi pakollisia työmaa-alueella. Trukki on lastausapuna arkisin."
)
WAREHOUSE_PICKUP = (
    "Nouto Karamalmin varastolta ma–pe klo 8–14; soita Ainolle edellisenä päivänä. "
    "Trukki lastaa peräkärryyn tai kuorma-autoon arkisin. Huomioliivi pihalla pakollinen."
)
DEMOLITION_SURVEY = (
    "Haitta-ainekartoitus 2/2026 (vanha varastorakennus), ei asbestia eikä PCB:tä. "
    "Raportti nähtävissä työmaatoimistossa."
)

CONTRACTOR = Lister(MIKKO, KORTTELI_3, Language.FI, SITE_PICKUP, "Rakennus Kera Oy")
CONTRACTOR_LISTINGS = [
    DemoListing(
        "mineral-wool",
        "Mineraalivilla 50 mm, 40 m²",
        "Avaamattomia paketteja, jäivät yli väliseinistä. Säilytetty kuivassa kontissa, "
        "joten kelpaa suoraan käyttöön.",
        "40",
        condition=NEW,
        price_model=PER_LOT,
        price_cents=5000,
    ),
    DemoListing(
        "mineral-wool",
        "Kivivilla 100 mm, avatut paketit, n. 18 m²",
        "Avattuja paketteja ulkoseinätyöstä, levyt ehjiä. Ilmaiseksi sille joka hakee kaikki.",
        "18",
        condition=GOOD,
        mass_per_unit_kg="3",
        photos=1,
    ),
    DemoListing(
        "eps-boards",
        "EPS 100 -eristelevyt 100 mm, 60 m²",
        "Perustusten routaeristyksestä ylijääneet. Muutamassa levyssä kolhuja reunoissa.",
        "60",
        condition=NEW,
        price_model=PER_UNIT,
        price_cents=300,
    ),
    DemoListing(
        "plasterboard-sheets",
        "Kipsilevyt 12,5 mm, 1200 × 2600, 35 levyä",
        "Normaaleja seinäkipsilevyjä lavalla, sisävarastossa. Hinta 2 € levyltä, koko lava 60 €.",
        "35",
        condition=NEW,
        price_model=PER_UNIT,
        price_cents=200,
        photos=3,
    ),
    DemoListing(
        "plywood-sheets",
        "Havuvaneri 12 mm, 1220 × 2440, 14 levyä",
        "Jäi yli kattoelementtien jäykistyksestä. Pinnassa vähän kynämerkintöjä.",
        "14",
        condition=LIKE_NEW,
        price_model=PER_UNIT,
        price_cents=1200,
    ),
    DemoListing(
        "formwork-plywood",
        "Filmivaneri 21 mm, käytetty, 25 levyä",
        "Laattamuoteista, 3–4 käyttökertaa takana. Reunat osin kuluneet, mutta kelpaa hyvin "
        "anturamuotteihin tai lattiasuojaksi.",
        "25",
        condition=FAIR,
        price_model=PER_UNIT,
        price_cents=800,
    ),
    DemoListing(
        "sawn-timber",
        "Sahatavara 50 × 100, 2,4–4,2 m, n. 300 jm",
        "Kyllästämätöntä C24-runkopuuta tarrarimoilla pressun alla. Osassa laudoista "
        "sementtiroiskeita, muuten siistiä.",
        "300",
        condition=GOOD,
        price_model=PER_LOT,
        price_cents=12000,
        photos=3,
    ),
    DemoListing(
        "boards-battens",
        "Koolausrimat 22 × 50, n. 180 jm",
        "Pätkiä 1–3 metriä, sopivat vaikka koolaukseen tai kasvilavoihin. Vie kaikki kerralla.",
        "180",
        condition=GOOD,
        photos=1,
    ),
    DemoListing(
        "common-bricks",
        "Purkutiilet, punainen poltettu tiili, n. 800 kpl",
        "Tontin vanhan varastorakennuksen väliseinistä. Laastia on lohkottu pois, mutta osaan "
        "jää vielä jäämiä. Hyvä puutarhamuureihin.",
        "800",
        condition=FAIR,
        price_model=PER_LOT,
        price_cents=15000,
        survey=DEMOLITION_SURVEY,
        photos=3,
    ),
    DemoListing(
        "concrete-blocks",
        "Betoniharkot 200 × 200 × 500, 96 kpl",
        "Kaksi lavaa kellarin väliseinistä ylijääneitä harkkoja. Lavat vaihtoon tai palautetaan.",
        "96",
        condition=NEW,
        price_model=PER_UNIT,
        price_cents=150,
    ),
    DemoListing(
        "hollow-core-slabs",
        "Ontelolaatan katkaisupalat 265 mm, n. 14 m²",
        "Pituudet 0,6–1,8 m. Sopivat tukimuuriin tai pihan rakenteisiin. Nosto vaatii "
        "kurottajan tai nosturin – sovi lastauksesta etukäteen.",
        "14",
        condition=GOOD,
        photos=1,
    ),
    DemoListing(
        "rebar",
        "Harjateräs T12, pätkiä 1–3 m, n. 400 kg",
        "Raudoitteiden hukkapaloja, suoria ja lajiteltu nippuihin. Pinnassa lievää ruostetta.",
        "400",
        condition=GOOD,
        price_model=PER_LOT,
        price_cents=8000,
    ),
    DemoListing(
        "steel-beams",
        "Teräspalkit HEA 160, 3 kpl à 4,2 m",
        "Muutostyön takia ylijääneet, pohjamaalattu. Yhteensä 12,6 metriä.",
        "12.6",
        condition=NEW,
        price_model=PER_LOT,
        price_cents=24000,
        mass_per_unit_kg="30.4",
        site=KARAMALMI,
        owner=AINO,
        pickup=WAREHOUSE_PICKUP,
    ),
    DemoListing(
        "pvc-pipes",
        "PVC-viemäriputket 110 mm, n. 36 m",
        "Kolmen ja kuuden metrin putkia, mukana muutama haara ja käyrä. Harmaat, uudet.",
        "36",
        condition=NEW,
        site=KARAMALMI,
        owner=AINO,
        pickup=WAREHOUSE_PICKUP,
    ),
    DemoListing(
        "cables",
        "MMJ 3 × 2,5S -kaapeli, kelalla n. 150 m",
        "Sähköurakoitsijalta jäänyt vajaa kela. Hinta koko kelasta.",
        "150",
        condition=NEW,
        price_model=PER_LOT,
        price_cents=9000,
        site=KARAMALMI,
        owner=AINO,
        pickup=WAREHOUSE_PICKUP,
    ),
    DemoListing(
        "ceramic-tiles",
        "Lattialaatta 30 × 60 cm, harmaa, 22 m²",
        "Sama erä kuin asuntojen kylpyhuoneissa, 15 avaamatonta laatikkoa. Käy myös "
        "lattialämmityksen päälle.",
        "22",
        condition=NEW,
        price_model=PER_UNIT,
        price_cents=800,
        site=KARAMALMI,
        owner=AINO,
        pickup=WAREHOUSE_PICKUP,
    ),
    DemoListing(
        "windows",
        "Puu-alumiini-ikkunat 12 × 14, 4 kpl (muutostyö)",
        "Tilaajan muutoksen takia ylijääneet uudet ikkunat, karmisyvyys 170 mm. "
        "Suojamuovit vielä paikoillaan.",
        "4",
        condition=NEW,
        price_model=PER_UNIT,
        price_cents=9000,
        site=KARAMALMI,
        owner=AINO,
        pickup=WAREHOUSE_PICKUP,
        photos=3,
    ),
    DemoListing(
        "interior-doors",
        "Väliovet 9 × 21, valkoinen laakaovi, 6 kpl",
        "Tulivat väärällä kätisyydellä, joten vaihdettiin. Karmit ja helat mukana.",
        "6",
        condition=NEW,
        price_model=PER_UNIT,
        price_cents=4000,
        site=KARAMALMI,
        owner=AINO,
        pickup=WAREHOUSE_PICKUP,
    ),
    DemoListing(
        "wooden-pallets",
        "Kuormalavat, EUR ja FIN, n. 40 kpl",
        "Hae vaikka yksi tai kaikki. Osa on vähän kolhiintuneita, mutta kantavat vielä.",
        "40",
        condition=FAIR,
        photos=1,
    ),
    DemoListing(
        "crushed-concrete",
        "Betonimurske 0–45 mm, n. 60 t",
        "Vanhan varastohallin lattialaatasta murskattu. Käy pihojen ja teiden "
        "kantavaan kerrokseen. Pyöräkuormaaja lastaa arkisin.",
        "60",
        condition=GOOD,
        price_model=PER_UNIT,
        price_cents=300,
        survey=DEMOLITION_SURVEY,
        delivery_possible=True,
    ),
    DemoListing(
        "osb-boards",
        "OSB/3-levyt 12 mm, 10 kpl",
        "Olivat väliaikaisena kulkusuojana porraskäytävässä. Pinnassa jälkiä, kantavat hyvin.",
        "10",
        condition=FAIR,
        owner=AINO,
        status=DRAFT,
        photos=1,
    ),
]

# --- Alberga Inredning Ab: a shop and office refit in Leppävaara -----------------------------

SHOP_PICKUP = (
    "Hämtas vardagar kl. 9–17 från butikens lastkaj på baksidan (Leppävaarankatu 7). "
    "Vi hjälper gärna till att bära, men ta med egen transport."
)
SHOP = Lister(
    "anna.lindqvist@albergainredning.example",
    "Butiken i Alberga",
    Language.SV,
    SHOP_PICKUP,
    "Alberga Inredning Ab",
)
SHOP_LISTINGS = [
    DemoListing(
        "shop-fittings",
        "Butiksdisk i ek med glasmonter, 180 cm",
        "Vår gamla kassadisk, stabil och fin. Glaset är helt, lådorna går lätt. "
        "Passar en liten butik eller ett café.",
        "1",
        condition=GOOD,
        price_model=PER_UNIT,
        price_cents=6000,
        mass_per_unit_kg="85",
        photos=3,
    ),
    DemoListing(
        "shop-fittings",
        "Gondolhyllor, vita, 6 sektioner",
        "Fristående hyllgondoler 125 cm med fem hyllplan var. Lite repor, annars bra skick.",
        "6",
        condition=FAIR,
        mass_per_unit_kg="45",
    ),
    DemoListing(
        "shelving",
        "Lagerhyllor i stål, 8 sektioner",
        "Skruvlösa hyllor från lagret, 90 × 200 cm. Enkla att montera isär.",
        "8",
        condition=GOOD,
        price_model=PER_UNIT,
        price_cents=1500,
    ),
    DemoListing(
        "office-desks",
        "Skrivbord 160 × 80 cm, björk, 4 st",
        "Från vårt kontor som vi slår ihop med butiken. Benen är vita metallben.",
        "4",
        condition=GOOD,
        price_model=PER_UNIT,
        price_cents=2000,
    ),
    DemoListing(
        "sit-stand-desks",
        "Höj- och sänkbara skrivbord 140 × 70, 2 st",
        "Elektriska, knappt två år gamla. Motorn går tyst och jämnt.",
        "2",
        condition=LIKE_NEW,
        price_model=PER_UNIT,
        price_cents=8000,
    ),
    DemoListing(
        "office-chairs",
        "Kontorsstolar med armstöd, 6 st",
        "Svart tyg, justerbar rygg. Gratis till den som tar alla sex.",
        "6",
        condition=GOOD,
    ),
    DemoListing(
        "office-chairs",
        "Kontorsstolar med trasig gaslyft, 3 st",
        "Sitsen sjunker långsamt. Bra för reservdelar, hjulen och armstöden är hela.",
        "3",
        condition=FOR_PARTS,
        photos=1,
    ),
    DemoListing(
        "window-glass",
        "Glasväggar, härdat glas 10 mm, ca 12 m²",
        "Mötesrummets glasväggar i fyra skivor, demonterade av glasmästare. "
        "Hämtas med bil som har A-bock.",
        "12",
        condition=GOOD,
        mass_per_unit_kg="25",
    ),
    DemoListing(
        "light-fittings",
        "Spotlights för skena, 24 st",
        "LED-spotar med 3-fasadapter, varmvitt ljus. Några har repor på kåpan.",
        "24",
        condition=GOOD,
    ),
    DemoListing(
        "light-fittings",
        "Pendellampor i mässing, 5 st",
        "Hängde över disken. Sladdlängd cirka 1,5 m, E27-sockel.",
        "5",
        condition=LIKE_NEW,
        price_model=PER_UNIT,
        price_cents=1500,
        status=DRAFT,
    ),
    DemoListing(
        "cabinets-lockers",
        "Förrådsskåp i plåt, 2 st",
        "Låsbara skåp 100 × 195 cm med fyra hyllplan, nycklar finns.",
        "2",
        condition=GOOD,
        price_model=PER_UNIT,
        price_cents=2500,
        photos=1,
    ),
    DemoListing(
        "carpet-tiles",
        "Textilplattor 50 × 50, grå, ca 30 m²",
        "Upptagna från kontorsgolvet, dammsugna och staplade. Passar förråd eller verkstad.",
        "30",
        condition=FAIR,
        photos=1,
    ),
]

# --- Vuokrakone Espoo Oy: hire equipment from the Kilo depot ---------------------------------

DEPOT_PICKUP = (
    "Nouto ja palautus Kilon toimipisteestä ma–pe 7–17, la 9–13. Vuokra-aikaan lasketaan "
    "nouto- ja palautuspäivä. Kuljetus työmaalle onnistuu lisämaksusta."
)
DEPOT_PICKUP_EN = (
    "Pick up and return at our Kilo depot, Mon–Fri 7–17 and Sat 9–13. Hire days count both "
    "the pick-up and the return day. Delivery to your site for an extra charge."
)
RENTAL_PARTNER = Lister(
    "jari.nieminen@vuokrakone.example",
    "Vuokrakone Kilo",
    Language.FI,
    DEPOT_PICKUP,
    "Vuokrakone Espoo Oy",
)


def _hire(
    category: str,
    title: str,
    description: str,
    *,
    units: int,
    day: int,
    week: int,
    deposit: int,
    min_days: int = 1,
    english: bool = False,
    status: ListingStatus = ListingStatus.ACTIVE,
) -> DemoListing:
    """A hire listing from the depot; the prices are whole euros per day, per week and as a
    deposit."""
    return DemoListing(
        category,
        title,
        description,
        str(units),
        kind=EQUIPMENT,
        condition=GOOD,
        price_model=RENTAL,
        price_cents=day * 100,
        week_price_cents=week * 100,
        deposit_cents=deposit * 100,
        min_rental_days=min_days,
        delivery_possible=True,
        status=status,
        language=Language.EN if english else None,
        pickup=DEPOT_PICKUP_EN if english else None,
    )


RENTAL_LISTINGS = [
    _hire(
        "facade-scaffolding",
        "Julkisivuteline, n. 100 m² setti",
        "Kehäteline jalkalevyineen, lankkuineen ja suojakaiteineen. Asennus ja "
        "käyttöönottotarkastus tilattavissa.",
        units=3,
        day=45,
        week=180,
        deposit=300,
        min_days=3,
    ),
    _hire(
        "mobile-scaffold-towers",
        "Siirrettävä alumiiniteline, työkorkeus 6 m",
        "Kevyt ja nopea koota, mahtuu pakettiautoon. Tukijalat ja lukittavat pyörät mukana.",
        units=4,
        day=49,
        week=195,
        deposit=100,
    ),
    _hire(
        "mobile-scaffold-towers",
        "Mobile scaffold tower, 4.2 m working height",
        "Narrow aluminium tower that fits through a doorway. Outriggers and braked castors "
        "included; we show you how to put it up.",
        units=3,
        day=39,
        week=149,
        deposit=100,
        english=True,
    ),
    _hire(
        "scissor-lifts",
        "Saksinostin 8 m, sähkökäyttöinen",
        "Kapea sisäkäyttöön soveltuva nostin, jättää puhtaat jäljet. Ladattu valmiiksi "
        "noudettaessa.",
        units=2,
        day=129,
        week=450,
        deposit=300,
    ),
    _hire(
        "boom-lifts",
        "Nivelpuominostin 16 m, diesel",
        "Maastokelpoinen nostin julkisivu- ja kattotöihin. Tällä hetkellä määräaikaishuollossa.",
        units=1,
        day=290,
        week=990,
        deposit=500,
        min_days=2,
        status=PAUSED,
    ),
    _hire(
        "generators",
        "Aggregaatti 20 kVA, hiljaiskäyntinen",
        "Diesel, 400 V ja 230 V pistorasiat. Polttoainetta noin 10 tunnin käyttöön.",
        units=2,
        day=95,
        week=340,
        deposit=200,
    ),
    _hire(
        "generators",
        "Petrol generator 3 kVA",
        "Light and portable, two 230 V sockets. Good for power tools where there is no mains.",
        units=5,
        day=35,
        week=119,
        deposit=50,
        english=True,
    ),
    _hire(
        "construction-heaters",
        "Sähkölämmitin 9 kW, 400 V",
        "Talven kuivatus- ja lämmitystöihin. Termostaatti ja ylikuumenemissuoja.",
        units=6,
        day=19,
        week=65,
        deposit=50,
    ),
    _hire(
        "dehumidifiers",
        "Adsorptiokuivain rakennuskuivaukseen",
        "Kuivaa vesivahingot ja betonirakenteet tehokkaasti myös kylmässä. Letkut mukana.",
        units=4,
        day=35,
        week=129,
        deposit=100,
        min_days=3,
    ),
    _hire(
        "office-huts",
        "Taukotilakoppi 6 × 2,4 m, lämmitetty",
        "Kahdeksan hengen taukotila, sähkölämmitys ja valaistus. Toimitus ja nosto hinnaston "
        "mukaan.",
        units=2,
        day=39,
        week=169,
        deposit=500,
        min_days=3,
    ),
    _hire(
        "storage-containers",
        "Storage container 20 ft, lockable",
        "Dry, wind- and watertight steel container for tools and materials. Padlock box "
        "fitted; delivery by truck with a crane.",
        units=3,
        day=15,
        week=75,
        deposit=200,
        min_days=3,
        english=True,
    ),
    _hire(
        "concrete-mixers",
        "Betonimylly 140 l, 230 V",
        "Pienten valujen ja laastin sekoitukseen. Mahtuu peräkärryyn.",
        units=4,
        day=25,
        week=85,
        deposit=50,
    ),
    _hire(
        "plate-compactors",
        "Tärylevy 90 kg",
        "Pihakivetysten ja sorapohjien tiivistämiseen. Vesisäiliö ja kuljetuspyörät.",
        units=3,
        day=49,
        week=179,
        deposit=100,
    ),
    _hire(
        "demolition-hammers",
        "Piikkausvasara 12 kg, SDS-max",
        "Laattojen ja laastin piikkaukseen. Talttoja saatavana lisävarusteena.",
        units=5,
        day=39,
        week=139,
        deposit=50,
    ),
    _hire(
        "laser-levels",
        "Rotating laser level with tripod and staff",
        "Self-levelling, about 300 m range with the receiver. Handy for foundations, "
        "floors and fences.",
        units=2,
        day=29,
        week=99,
        deposit=100,
        english=True,
    ),
    _hire(
        "fence-panels",
        "Työmaa-aitaelementit 3,5 × 2 m jalkoineen",
        "Hinta elementiltä. Isommat määrät ja kulkuportit tilauksesta.",
        units=6,
        day=3,
        week=12,
        deposit=20,
        min_days=3,
    ),
]

# --- Espoon kaupunki: furniture and fittings from a school renovation ------------------------

CITY_PICKUP = (
    "Nouto kierrätyspisteeltä ti ja to klo 12–18. Tavarat ovat lämpimässä varastossa; "
    "tuo oma kuljetus ja kantoapu."
)
CITY_PICKUP_SV = (
    "Hämtas från återvinningspunkten tis och tors kl. 12–18. Ta med egen transport och "
    "någon som hjälper till att bära."
)
CITY = Lister(
    "ville.salo@espoo.example",
    "Kierrätyspiste Espoon keskus",
    Language.FI,
    CITY_PICKUP,
    "Espoon kaupunki – Kestävä Kera",
)
CITY_LISTINGS = [
    DemoListing(
        "tables",
        "Oppilaspöydät, korkeussäädettävät, 30 kpl",
        "Koulun peruskorjauksesta vapautuneita pulpetteja. Kansissa käytön jälkiä, rungot "
        "hyvät. Sopii kerhoille, yhdistyksille ja kotiin.",
        "30",
        condition=FAIR,
        mass_per_unit_kg="15",
        photos=3,
    ),
    DemoListing(
        "furniture",
        "Pinottavat koulutuolit, 45 kpl",
        "Koivuvanerinen istuin ja selkä, metallijalat. Muutamassa tuolissa jalkatulpat puuttuvat.",
        "45",
        condition=GOOD,
        mass_per_unit_kg="5",
        photos=1,
    ),
    DemoListing(
        "radiators",
        "Lämpöpatterit, teräs, 12 kpl",
        "Irrotettu luokista peruskorjauksessa, korkeus 500–600 mm ja pituudet 800–1600 mm. "
        "Liitännät tulpattu.",
        "12",
        condition=GOOD,
        survey="Haitta-ainekartoitus 1/2026: ei asbestia, PCB:tä eikä lyijymaalia.",
    ),
    DemoListing(
        "interior-doors",
        "Innerdörrar 9 × 21 med karmar, 10 st",
        "Klassrumsdörrar, vita med små skavanker. Karmarna är demonterade och numrerade.",
        "10",
        condition=FAIR,
        language=Language.SV,
        pickup=CITY_PICKUP_SV,
    ),
    DemoListing(
        "ceramic-tiles",
        "Lattialaatat 20 × 20, punaruskea, n. 35 m²",
        "Uusia laattoja, jäivät yli ruokasalin lattiasta. 28 avaamatonta laatikkoa.",
        "35",
        condition=NEW,
    ),
    DemoListing(
        "kitchen-cabinets",
        "Köksskåp från hemkunskapsklassen, 14 st",
        "Vita underskåp och väggskåp med luckor. Bänkskivorna är inte med.",
        "14",
        condition=GOOD,
        language=Language.SV,
        pickup=CITY_PICKUP_SV,
        status=DRAFT,
    ),
    DemoListing(
        "ceiling-tiles",
        "Alakattolevyt 600 × 600, n. 80 m²",
        "Akustiikkalevyt käytävien alakatoista, irrotettu siististi. Pinnat puhtaat.",
        "80",
        condition=GOOD,
        photos=1,
    ),
]

# --- Residents -------------------------------------------------------------------------------

LAURA = Lister(
    "laura.korhonen@example.fi",
    "Koti, Tapiola",
    Language.FI,
    "Nouto Tapionraitilta iltaisin tai viikonloppuna, laita viesti ensin.",
)
LAURA_LISTINGS = [
    DemoListing(
        "ceramic-tiles",
        "Seinälaatat 15 × 15, valkoinen kiiltävä, 6 m²",
        "Kylpyhuoneremontista jäi ylimääräisiä. Kuusi laatikkoa, joista yksi avattu.",
        "6",
        condition=NEW,
        price_model=PER_LOT,
        price_cents=3000,
    ),
    DemoListing(
        "interior-doors",
        "Vanha peiliovi 8 × 21",
        "60-luvun kerrostalosta, maalattu valkoiseksi. Lukko ja painike mukana, karmia ei ole.",
        "1",
        condition=FAIR,
        photos=1,
    ),
    DemoListing(
        "stainless-steel-sinks",
        "Rosteriallas 1,5-altainen, hana mukana",
        "Keittiöremontista, toimi moitteetta. Allas on 80 cm leveä.",
        "1",
        condition=GOOD,
        price_model=PER_UNIT,
        price_cents=1500,
    ),
    DemoListing(
        "common-bricks",
        "Etsin tiiliä puutarhamuuriin",
        "Haaveena matala muuri kasvimaan reunaan, noin 200 tiiltä. Käytetyt käyvät hyvin, "
        "haen itse peräkärryllä Espoon alueelta.",
        "200",
        kind=WANTED,
        condition=None,
        photos=0,
    ),
    DemoListing(
        "paving-slabs",
        "Ostetaan käytettyjä pihalaattoja, n. 10 m²",
        "Terassin alle tulisi n. 10 m² betonilaattoja. Maksan enintään 5 €/m².",
        "10",
        kind=WANTED,
        condition=None,
        price_model=PER_UNIT,
        price_cents=500,
        photos=0,
    ),
]

ERIK = Lister(
    "erik.sjoberg@example.fi",
    "Hemma i Mattby",
    Language.SV,
    "Hämtas på Matinkatu efter kl. 17 eller på helgen. Ring eller skicka meddelande först.",
)
ERIK_LISTINGS = [
    DemoListing(
        "paving-slabs",
        "Betongplattor 30 × 30, grå, ca 8 m²",
        "Vi har lagt om gången till huset. Plattorna är hela, lite mossa på några.",
        "8",
        condition=GOOD,
    ),
    DemoListing(
        "boards-battens",
        "Obehandlat virke 28 × 95, ca 40 m",
        "Blev över från staketet. Omålat och torrt, längder 1,8–4,2 m.",
        "40",
        condition=NEW,
        photos=1,
    ),
    DemoListing(
        "windows",
        "Söker fönster till växthus",
        "Bygger ett litet växthus på tomten och tar gärna emot gamla fönster med hela glas. "
        "Kan hämta själv i Esbo med släpvagn.",
        "6",
        kind=WANTED,
        condition=None,
        photos=0,
    ),
    DemoListing(
        "clay-roof-tiles",
        "Söker tegelpannor till förrådstaket, ca 40 st",
        "Några pannor har spruckit i vinter. Gärna enkupiga, röda. Betalar högst 1 € per styck.",
        "40",
        kind=WANTED,
        condition=None,
        price_model=PER_UNIT,
        price_cents=100,
        photos=0,
    ),
]

SAM = Lister(
    "sam.taylor@example.com",
    "Home, Otaniemi",
    Language.EN,
    "Pick up from Otakaari in the evening or at the weekend; message me first.",
)
SAM_LISTINGS = [
    DemoListing(
        "washbasins",
        "Bathroom washbasin with mixer tap, white",
        "Swapped it for a bigger one. Comes with the tap and the trap; no chips or cracks.",
        "1",
        condition=LIKE_NEW,
    ),
    DemoListing(
        "mobile-scaffold-towers",
        "Looking for scaffolding tower for a weekend",
        "Painting the eaves of our rowhouse; need about 5 m working height for a Saturday and "
        "a Sunday. Happy to pay up to 40 € and pick it up with a van.",
        "1",
        kind=WANTED,
        condition=None,
        price_model=PER_UNIT,
        price_cents=4000,
        photos=0,
    ),
    DemoListing(
        "osb-boards",
        "Wanted: a few OSB or plywood sheets for a bike shed",
        "Four sheets would do, offcuts welcome if they are at least a metre long.",
        "4",
        kind=WANTED,
        condition=None,
        photos=0,
    ),
]

GROUPS: list[tuple[Lister, list[DemoListing]]] = [
    (CONTRACTOR, CONTRACTOR_LISTINGS),
    (SHOP, SHOP_LISTINGS),
    (RENTAL_PARTNER, RENTAL_LISTINGS),
    (CITY, CITY_LISTINGS),
    (LAURA, LAURA_LISTINGS),
    (ERIK, ERIK_LISTINGS),
    (SAM, SAM_LISTINGS),
]


def ensure_listings(users: dict[str, User], organisations: dict[str, Organisation]) -> int:
    """Create the demo listings that are not there yet; returns how many were created."""
    categories = {category.slug: category for category in db.session.scalars(sa.select(Category))}
    existing = _existing_titles(users)
    created = 0
    number = 0
    for lister, listings in GROUPS:
        for demo in listings:
            number += 1
            owner = users[demo.owner or lister.owner]
            if (owner.id, demo.title) in existing:
                continue
            site = _site(lister, demo, owner, organisations)
            details = _details(lister, demo, site, categories[demo.category], number)
            _create(owner, demo, details)
            created += 1
    return created


def _existing_titles(users: dict[str, User]) -> set[tuple[int, str]]:
    query = sa.select(Listing.owner_id, Listing.title).where(
        Listing.owner_id.in_([user.id for user in users.values()])
    )
    return {(owner_id, title) for owner_id, title in db.session.execute(query)}


def _site(
    lister: Lister, demo: DemoListing, owner: User, organisations: dict[str, Organisation]
) -> Site:
    name = demo.site or lister.site
    candidates = (
        site_services.sites_of_organisation(organisations[lister.organisation])
        if lister.organisation
        else site_services.sites_of_user(owner)
    )
    return next(site for site in candidates if site.name == name)


def _details(
    lister: Lister, demo: DemoListing, site: Site, category: Category, number: int
) -> ListingDetails:
    # Spread the dates by the listing's position, so that the lists do not all end on one day.
    today = today_in_finland()
    return ListingDetails(
        kind=demo.kind,
        site_id=site.id,
        category_id=category.id,
        title=demo.title,
        description=demo.description,
        language=demo.language or lister.language,
        condition=demo.condition,
        unit=demo.unit or category.default_unit,
        quantity=Decimal(demo.quantity),
        available_from=today + timedelta(days=number * 7 % 11),
        available_until=today + timedelta(days=14 + number * 23 % 77),
        mass_per_unit_kg=Decimal(demo.mass_per_unit_kg) if demo.mass_per_unit_kg else None,
        price_model=demo.price_model,
        price_cents=demo.price_cents,
        week_price_cents=demo.week_price_cents,
        deposit_cents=demo.deposit_cents,
        min_rental_days=demo.min_rental_days,
        pickup_instructions=demo.pickup if demo.pickup is not None else lister.pickup,
        delivery_possible=demo.delivery_possible,
        demolition_material=bool(demo.survey),
        hazard_status=HazardStatus.DECLARED_CLEAN if demo.survey else None,
        hazard_notes=demo.survey,
    )


def _photos(demo: DemoListing) -> list[PreparedPhoto]:
    # Seeded by the title, so that two listings of one category get different pictures.
    seed = zlib.crc32(demo.title.encode())
    return [prepare_photo(demo_photo(demo.category, seed + n)) for n in range(demo.photos)]


def _create(owner: User, demo: DemoListing, details: ListingDetails) -> Listing:
    publish = demo.status != DRAFT
    listing = create_listing(owner, details, photos=_photos(demo), publish=publish)
    if demo.status == PAUSED:
        pause_listing(listing, owner)
    return listing
