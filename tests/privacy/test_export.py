"""A person's data export holds every row that names them (GDPR Art. 15 and 20).

What "names a person" means here: a column that refers to a user by foreign key, or a column
whose name says it holds a person's e-mail, name, phone, address, IP address or browser (see
`personal`). The walk below fails as soon as such a column is added to a table that the
export does not cover, unless it is listed in EXCLUDED with the reason why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask

from marketplace.extensions import db
from marketplace.models import User
from marketplace.privacy import export
from tests.privacy.conftest import EMAIL, NAME, PHONE, World
from tests.support import Client, text

EN = {"Accept-Language": "en"}
PERSONAL_NAME = re.compile(
    r"^(email|name|phone|address|ip|user_agent)$"
    r"|_(email|name|phone|address)$"
    r"|^name_"
    r"|(^|_)ip(_|$)"
)
# Columns that look personal by their name but hold nothing about a person.
EXCLUDED = {
    "categories.name_fi": "reference data: the name of a category of goods",
    "categories.name_sv": "reference data: the name of a category of goods",
    "categories.name_en": "reference data: the name of a category of goods",
}


def points_at_users(column: sa.Column[Any]) -> bool:
    return any(key.column.table.name == "users" for key in column.foreign_keys)


def personal(column: sa.Column[Any]) -> bool:
    return points_at_users(column) or bool(PERSONAL_NAME.search(column.name))


def model_tables() -> list[sa.Table]:
    return [table for _name, table in sorted(db.metadata.tables.items())]


def related_tables() -> set[str]:
    nobody = User(id=0, email="")
    return {
        query(nobody).column_descriptions[0]["entity"].__table__.name
        for _section, query in export.RELATED
    }


def test_every_column_that_names_a_person_is_exported(app: Flask) -> None:
    by_column = {source.name for source in export.SOURCES}
    whole_tables = {source.table.name for source in export.SOURCES} | related_tables()
    missing = []
    for table in model_tables():
        for column in table.columns:
            name = f"{table.name}.{column.name}"
            if not personal(column) or name in EXCLUDED:
                continue
            if points_at_users(column) and name not in by_column:
                missing.append(f"{name}: refers to a person, but no export.Source reads it")
            elif table.name not in whole_tables:
                missing.append(f"{name}: names a person, but its table is not exported")
            elif name in export.WITHHELD:
                missing.append(f"{name}: names a person, but the export withholds it")
    assert missing == [], "\n".join(missing)
    columns = {f"{t.name}.{c.name}" for t in model_tables() for c in t.columns}
    assert set(EXCLUDED) <= columns, "an exclusion names a column that no longer exists"
    assert columns >= export.WITHHELD


def section_ids(data: dict[str, Any], section: str) -> set[Any]:
    return {row["id"] for row in data["sections"].get(section, [])}


def test_the_export_holds_every_row_that_names_the_person(
    app: Flask, world: World, signed_in: Callable[[User], Client]
) -> None:
    signed_in(world.person)  # a sign-in record, and an event in the audit trail
    person = db.session.get(User, world.person.id)
    assert person is not None
    data = export.collect(person)

    for source in export.SOURCES:
        naming = {row.id for row in source.rows(person)}
        assert naming <= section_ids(data, source.section), source.name
    for section, query in export.RELATED:
        assert {row.id for row in db.session.scalars(query(person))} <= section_ids(
            data, section
        ), section
    for section in (
        "profile",
        "sign_ins",
        "memberships",
        "organisations",
        "sites",
        "listings",
        "listing_photos",
        "reservations",
        "reservations_on_your_listings",
        "reservation_events",
        "messages",
        "notifications",
        "saved_searches",
        "notices_filed",
        "decisions_about_you",
        "complaints",
        "activity",
    ):
        assert data["sections"].get(section), f"{section} is empty"
    assert len(data["sections"]["notices_filed"]) == 2  # signed in, and by e-mail only
    assert section_ids(data, "reservations") == {
        world.done_by_person.id,
        world.open_by_person.id,
    }
    assert section_ids(data, "reservations_on_your_listings") >= {
        world.done_on_mine.id,
        world.open_on_mine.id,
    }
    messages = [row["text"] for row in data["sections"]["messages"]]
    assert "Selvä, nähdään." in messages  # the other side of the conversation too
    (profile,) = data["sections"]["profile"]
    assert profile["email"] == EMAIL and "password_hash" not in profile
    assert profile["terms_version"] == app.config["TERMS_VERSION"]
    assert all("token_digest" not in row for row in data["sections"]["sign_ins"])
    # Rows are whole: every column but the withheld secrets.
    listing = data["sections"]["listings"][0]
    assert set(listing) == {column.name for column in db.metadata.tables["listings"].columns}


def test_the_downloads_as_json_and_as_a_readable_summary(
    app: Flask, world: World, signed_in: Callable[[User], Client]
) -> None:
    browser = signed_in(world.person)
    account = text(browser.get("/account", headers=EN))
    assert 'href="/account/data.json"' in account and 'href="/account/data.html"' in account
    assert 'href="/account/delete"' in account

    answer = browser.get("/account/data.json")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    assert answer.headers["Cache-Control"] == "no-store"
    data = json.loads(answer.get_data(as_text=True))
    assert data["format"] == export.FORMAT and data["person"]["email"] == EMAIL
    assert PHONE in answer.get_data(as_text=True)
    assert "$argon2" not in answer.get_data(as_text=True)

    summary = browser.get("/account/data.html", headers=EN)
    assert summary.status_code == 200 and summary.mimetype == "text/html"
    assert summary.headers["Content-Disposition"].startswith("attachment;")
    page = text(summary)
    for shown in ("Saved searches", "Messages", "Moderation decisions about you", NAME, PHONE):
        assert shown in page, shown


def test_each_person_downloads_only_their_own_data(
    app: Flask, world: World, signed_in: Callable[[User], Client]
) -> None:
    # The address names no one: whoever is signed in gets their own data, whatever is asked.
    theirs = signed_in(world.other).get(f"/account/data.json?user={world.person.id}")
    data = json.loads(theirs.get_data(as_text=True))
    assert data["person"]["email"] == world.other.email
    assert EMAIL not in theirs.get_data(as_text=True)
    assert data["sections"]["saved_searches"] == []
    theirs_asked = section_ids(data, "reservations")
    assert {world.done_on_mine.id, world.open_on_mine.id, world.open_on_org.id} <= theirs_asked
    assert {world.done_by_person.id, world.open_by_person.id}.isdisjoint(theirs_asked)
