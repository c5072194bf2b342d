"""The PostgreSQL backend's tables, how they are created, and what a listing writes to them.

    search_documents  one narrow row per listing: what filters, facets, sorting and distance
                      read, and the fingerprint `flask search check` compares
    search_texts      the same facts and the words: `head` (title and product type names)
                      ranks, `words` (all the listing's text) matches through a GIN index,
                      `grams` (the title and type names, folded) finds pieces of compounds
                      through a pg_trgm GIN index
    search_words      the vocabulary "did you mean" draws from, with a pg_trgm GIN index
    search_counts     how many listings share each (type, family, kind, condition, free),
                      kept by every write: a search without words, range filters or an
                      organisation counts its facets from these few rows instead of grouping
                      every listing (organisations would multiply the rows by their number)
    search_journal    listing ids written while `flask search reindex` builds new tables

Why two tables, both with the facts: searches without words (a category, the map, the home
page) count facets over every row, and ~120-byte rows are read quickly; searches with words
find their rows through `search_texts`'s indexes and need nothing else. `words` carries no
positions (only `head` is ranked), which keeps rows small enough to stay in the table
uncompressed: a row the trigram index found is re-checked, and a value moved out of line
would be fetched for each.

Every text is indexed as written (the `simple` configuration), stemmed by PostgreSQL's
`finnish`, `swedish` or `english` configuration, and, for Finnish, also by the light stemmer of
`analysis`: PostgreSQL's Snowball Finnish conflates inflected forms inconsistently
(ikkuna → "iku", ikkunat → "ikkun", ikkunoita → "ikkuno"), and those are the forms people type.
The tables are created by the backend on first write, not by the app's migrations: they exist
only on PostgreSQL, and `flask search reindex` recreates them when their layout changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.dialects.postgresql import insert as pg_insert

from marketplace.search.analysis import LANGUAGES, finnish_stems, folded, text_words
from marketplace.search.documents import ListingDocument
from marketplace.search.geo import Point, unit_vector

# Bump when the tables or what is written to them change: `state` then asks for a reindex.
LAYOUT_VERSION = 2
LAYOUT_COMMENT = f"kera search layout {LAYOUT_VERSION}"
PREFIX = "search_"
NEXT = "_next"
JOURNAL = "search_journal"
CONFIGURATIONS = {"fi": "finnish", "sv": "swedish", "en": "english"}
EXTENSIONS = ("pg_trgm",)
# Ends the title in `grams`: folded text is only letters, digits and spaces.
TITLE_END = "|"


@dataclass(frozen=True)
class Tables:
    """One generation of the search tables: the live one, or the one a rebuild fills."""

    documents: sa.Table
    texts: sa.Table
    words: sa.Table
    counts: sa.Table

    @property
    def all(self) -> tuple[sa.Table, ...]:
        return (self.documents, self.texts, self.words, self.counts)


def tables(suffix: str = "") -> Tables:
    metadata = sa.MetaData()
    return Tables(
        _documents(metadata, f"{PREFIX}documents{suffix}"),
        _texts(metadata, f"{PREFIX}texts{suffix}"),
        _words(metadata, f"{PREFIX}words{suffix}"),
        _counts(metadata, f"{PREFIX}counts{suffix}"),
    )


def _facts() -> list[sa.Column[Any]]:
    """What filters, facets, sorting and distance read; both tables carry them."""
    return [
        sa.Column("listing_id", sa.Integer, autoincrement=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("category_id", sa.Integer, nullable=False),
        sa.Column("family_id", sa.Integer, nullable=False),
        sa.Column("condition", sa.Text),
        sa.Column("organisation_id", sa.Integer),
        sa.Column("free", sa.Boolean, nullable=False),
        sa.Column("price_cents", sa.Integer, nullable=False),
        sa.Column("lat", sa.Double, nullable=False),
        sa.Column("lon", sa.Double, nullable=False),
        # The place on the unit sphere, for "nearest first" (see geo.unit_vector).
        sa.Column("x", sa.Double, nullable=False),
        sa.Column("y", sa.Double, nullable=False),
        sa.Column("z", sa.Double, nullable=False),
        sa.Column("published", sa.BigInteger, nullable=False),
    ]


def _documents(metadata: sa.MetaData, name: str) -> sa.Table:
    table = sa.Table(
        name,
        metadata,
        *_facts(),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("listing_id", name=f"{name}_pkey"),
    )
    c = table.c
    sa.Index(f"{name}_published_idx", c.published, c.listing_id)
    sa.Index(f"{name}_price_idx", c.price_cents, c.listing_id.desc())
    sa.Index(f"{name}_place_idx", c.lat, c.lon)
    sa.Index(f"{name}_category_idx", c.category_id)
    sa.Index(f"{name}_family_idx", c.family_id)
    sa.Index(f"{name}_organisation_idx", c.organisation_id)
    return table


def _texts(metadata: sa.MetaData, name: str) -> sa.Table:
    """The words, with a copy of the facts: a search with words then reads this table alone,
    through its two indexes."""
    table = sa.Table(
        name,
        metadata,
        *_facts(),
        sa.Column("head", TSVECTOR, nullable=False),
        sa.Column("words", TSVECTOR, nullable=False),
        sa.Column("grams", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("listing_id", name=f"{name}_pkey"),
    )
    sa.Index(f"{name}_words_idx", table.c.words, postgresql_using="gin")
    sa.Index(
        f"{name}_grams_idx",
        table.c.grams,
        postgresql_using="gin",
        postgresql_ops={"grams": "gin_trgm_ops"},
    )
    return table


def _words(metadata: sa.MetaData, name: str) -> sa.Table:
    table = sa.Table(
        name,
        metadata,
        sa.Column("word", sa.Text),
        # Listings that had the word when the tables were built; later ones count 1.
        sa.Column("listings", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("word", name=f"{name}_pkey"),
    )
    sa.Index(
        f"{name}_trgm_idx",
        table.c.word,
        postgresql_using="gin",
        postgresql_ops={"word": "gin_trgm_ops"},
    )
    return table


# What search_counts groups by, with no condition written as '' so that it can be in the key.
COUNTED = ("category_id", "family_id", "kind", "condition", "free")
NO_CONDITION = ""


def _counts(metadata: sa.MetaData, name: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("category_id", sa.Integer),
        sa.Column("family_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.Text),
        sa.Column("condition", sa.Text),
        sa.Column("free", sa.Boolean),
        sa.Column("listings", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint(*COUNTED, name=f"{name}_pkey"),
    )


def counted(row: Any) -> tuple[Any, ...]:
    """A listing's key in search_counts, from its facts (a mapping or a row)."""
    get = row.get if isinstance(row, dict) else row._mapping.get
    return (
        get("category_id"),
        get("family_id"),
        get("kind"),
        get("condition") or NO_CONDITION,
        get("free"),
    )


def fill_counts(connection: sa.Connection, generation: Tables) -> None:
    """Count a freshly written generation's documents (a rebuild)."""
    d, counts = generation.documents.c, generation.counts
    key = [
        d.category_id,
        d.family_id,
        d.kind,
        sa.func.coalesce(d.condition, NO_CONDITION),
        d.free,
    ]
    connection.execute(
        sa.insert(counts).from_select(
            [*COUNTED, "listings"], sa.select(*key, sa.func.count()).group_by(*key)
        )
    )


def change_counts(connection: sa.Connection, generation: Tables, delta: dict[Any, int]) -> None:
    """Add `delta` (listings by key) to search_counts; combinations left with none go."""
    rows = [dict(zip(COUNTED, key, strict=True), listings=n) for key, n in delta.items() if n]
    if not rows:
        return
    counts = generation.counts
    statement = pg_insert(counts)
    statement = statement.on_conflict_do_update(
        index_elements=list(COUNTED),
        set_={"listings": counts.c.listings + statement.excluded.listings},
    )
    connection.execute(statement, rows)
    connection.execute(sa.delete(counts).where(counts.c.listings <= 0))


def journal() -> sa.Table:
    return sa.Table(JOURNAL, sa.MetaData(), sa.Column("listing_id", sa.Integer, nullable=False))


def create_extensions(connection: sa.Connection) -> None:
    """pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it."""
    for name in EXTENSIONS:
        connection.execute(sa.text(f'CREATE EXTENSION IF NOT EXISTS "{name}"'))


def create_tables(connection: sa.Connection, generation: Tables, indexes: bool = True) -> None:
    for table in generation.all:
        connection.execute(sa.schema.CreateTable(table))
    if indexes:
        create_indexes(connection, generation)
    mark_layout(connection, generation)


def create_indexes(connection: sa.Connection, generation: Tables) -> None:
    for table in generation.all:
        for index in sorted(table.indexes, key=lambda index: str(index.name)):
            connection.execute(sa.schema.CreateIndex(index))


def create_journal(connection: sa.Connection) -> None:
    journal().create(connection, checkfirst=True)


def mark_layout(connection: sa.Connection, generation: Tables) -> None:
    connection.execute(
        sa.text(
            f"COMMENT ON TABLE {_quoted(connection, generation.documents)} IS '{LAYOUT_COMMENT}'"
        )
    )


def layout_of(connection: sa.Connection) -> str | None:
    """The layout comment of the live tables, or None when they do not exist."""
    name = tables().documents.name
    found = connection.execute(
        sa.text(
            "SELECT to_regclass(:name) IS NOT NULL, obj_description(to_regclass(:name), 'pg_class')"
        ),
        {"name": name},
    ).one()
    return (found[1] or "") if found[0] else None


def drop_tables(connection: sa.Connection, generation: Tables) -> None:
    for table in generation.all:
        connection.execute(sa.text(f"DROP TABLE IF EXISTS {_quoted(connection, table)}"))


def rename(connection: sa.Connection, source: Tables, target: Tables) -> None:
    """Give the tables of `source` (and their indexes) the names of `target`'s."""
    prepare = connection.dialect.identifier_preparer
    for old, new in zip(source.all, target.all, strict=True):
        connection.execute(
            sa.text(f"ALTER TABLE {prepare.quote(old.name)} RENAME TO {prepare.quote(new.name)}")
        )
        names = [f"{old.name}_pkey"] + [str(index.name) for index in old.indexes]
        for name in names:
            renamed = new.name + name[len(old.name) :]
            connection.execute(
                sa.text(f"ALTER INDEX {prepare.quote(name)} RENAME TO {prepare.quote(renamed)}")
            )


def _quoted(connection: sa.Connection, table: sa.Table) -> str:
    return str(connection.dialect.identifier_preparer.quote(table.name))


# What one listing writes. The tsvectors are built by PostgreSQL from bound texts; Python only
# adds the light Finnish stems and the folded n-gram text.

HEAD = """
    setweight(to_tsvector('simple', :title), 'A')
    || setweight(to_tsvector(CAST(:config AS regconfig), :title), 'A')
    || setweight(to_tsvector('simple', :title_stems), 'A')
    || setweight(to_tsvector('simple', :types), 'B')
    || setweight(to_tsvector('finnish', :type_fi), 'B')
    || setweight(to_tsvector('swedish', :type_sv), 'B')
    || setweight(to_tsvector('english', :type_en), 'B')
    || setweight(to_tsvector('simple', :type_stems), 'B')
"""
BODY = """
    setweight(to_tsvector('simple', :body), 'C')
    || setweight(to_tsvector(CAST(:config AS regconfig), :description), 'C')
    || setweight(to_tsvector('simple', :description_stems), 'C')
"""


def upsert_texts(generation: Tables) -> sa.TextClause:
    table = generation.texts
    facts = [column.name for column in table.c if column.name not in ("head", "words", "grams")]
    names = ", ".join(facts)
    values = ", ".join(f":{name}" for name in facts)
    changed = ", ".join(
        f"{name} = excluded.{name}" for name in [*facts[1:], "head", "words", "grams"]
    )
    return sa.text(
        f'INSERT INTO "{table.name}" ({names}, head, words, grams) '  # noqa: S608 (constants)
        f"SELECT {values}, head, strip(head || {BODY}), :grams FROM (SELECT {HEAD} AS head) h "
        f"ON CONFLICT (listing_id) DO UPDATE SET {changed}"
    )


def upsert_documents(generation: Tables) -> Any:
    table = generation.documents
    statement = pg_insert(table)
    changed = {c.name: statement.excluded[c.name] for c in table.c if c.name != "listing_id"}
    return statement.on_conflict_do_update(index_elements=["listing_id"], set_=changed)


def facts_row(document: ListingDocument) -> dict[str, Any]:
    x, y, z = unit_vector(Point(document.latitude, document.longitude))
    return {
        "listing_id": document.listing_id,
        "kind": document.kind,
        "category_id": document.category_id,
        "family_id": document.family_id,
        "condition": document.condition,
        "organisation_id": document.organisation_id,
        "free": document.free,
        "price_cents": document.price_cents,
        "lat": document.latitude,
        "lon": document.longitude,
        "x": x,
        "y": y,
        "z": z,
        "published": document.published,
    }


def document_row(document: ListingDocument) -> dict[str, Any]:
    return {**facts_row(document), "fingerprint": document.fingerprint()}


def text_row(document: ListingDocument) -> dict[str, Any]:
    """Title and description in the listing's language; product type names in each of theirs,
    so that a listing is found by its type in all three; family names, the organisation and
    the place only as written (they say less about what the listing is)."""
    types = {language: names[0] for language, names in document.category_names.items()}
    families = " ".join(names[1] for names in document.category_names.values() if len(names) > 1)
    finnish = document.language == "fi"
    type_names = " ".join(types[language] for language in LANGUAGES)
    return {
        **facts_row(document),
        "config": CONFIGURATIONS.get(document.language, "simple"),
        "title": document.title,
        "title_stems": finnish_stems(document.title) if finnish else "",
        "types": type_names,
        "type_fi": types["fi"],
        "type_sv": types["sv"],
        "type_en": types["en"],
        "type_stems": finnish_stems(types["fi"]),
        "body": f"{document.description} {families} {document.place_text}",
        "description": document.description,
        "description_stems": finnish_stems(document.description) if finnish else "",
        "grams": f"{folded(document.title)} {TITLE_END} {folded(type_names)}",
    }


def vocabulary(document: ListingDocument) -> set[str]:
    """The words "did you mean" may offer: every word of the listing, as written."""
    names = " ".join(" ".join(names) for names in document.category_names.values())
    text = f"{document.title} {names} {document.description} {document.place_text}"
    return {word for word in text_words(text) if len(word) > 1 and not word.isdigit()}
