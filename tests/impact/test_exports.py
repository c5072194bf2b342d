"""An organisation's handovers as CSV and JSON: shape, encoding, periods and who may."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import pytest

from marketplace.core.clock import today_in_finland
from marketplace.impact.exports import BOM, COLUMNS
from tests.impact.conftest import Handovers
from tests.support import Client


@pytest.fixture
def member(client: Client, handovers: Handovers) -> Client:
    client.sign_in("member@example.fi")
    return client


def url(handovers: Handovers, extension: str = "csv", query: str = "") -> str:
    base = f"/impact/organisations/{handovers.organisation.id}/handovers.{extension}"
    return f"{base}?{query}" if query else base


def test_csv_parses_with_the_documented_columns(member: Client, handovers: Handovers) -> None:
    response = member.get(url(handovers))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and ".csv" in disposition
    body = response.get_data().decode("utf-8")
    assert body.startswith(BOM)  # Excel reads UTF-8 only with it
    rows = list(csv.DictReader(io.StringIO(body.removeprefix(BOM))))
    assert tuple(rows[0].keys()) == COLUMNS
    by_category = {row["category"]: row for row in rows}
    assert set(by_category) == {"common-bricks", "sit-stand-desks"}  # not the resident's
    bricks = by_category["common-bricks"]
    assert (bricks["quantity"], bricks["unit"], bricks["mass_kg"], bricks["co2e_kg"]) == (
        "40",
        "pcs",
        "92",
        "22.1",
    )
    assert (bricks["ewc_code"], bricks["hazardous"], bricks["family"]) == (
        "17 01 02",
        "false",
        "bricks-ceramics",
    )
    assert bricks["emission_factor"] == "0.24" and "ICE" in bricks["emission_factor_source"]
    assert (bricks["site"], bricks["postal_code"]) == ("Kera työmaa", "02650")
    desks = by_category["sit-stand-desks"]
    assert desks["mass_kg"] == "90" and desks["co2e_kg"] == ""  # unknown is empty, not 0
    # Finnish local time to the second, with its offset, as a waste report wants it.
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[23]:00", bricks["completed_at"])


def test_json_export(member: Client, handovers: Handovers) -> None:
    today = today_in_finland()
    start = (today - timedelta(days=30)).isoformat()
    response = member.get(url(handovers, "json", f"from={start}&to={today}"))
    assert response.status_code == 200
    assert "attachment;" in response.headers["Content-Disposition"]
    body = json.loads(response.get_data())
    assert (body["from"], body["to"], body["count"]) == (start, today.isoformat(), 2)
    desks = next(h for h in body["handovers"] if h["category"] == "sit-stand-desks")
    assert desks["co2e_kg"] is None and desks["emission_factor"] is None
    assert desks["listing_url"].endswith(f"/listings/{handovers.desks.listing_id}")


def test_a_period_before_any_handover_is_empty(member: Client, handovers: Handovers) -> None:
    response = member.get(url(handovers, query="from=2020-01-01&to=2020-12-31"))
    rows = list(csv.reader(io.StringIO(response.get_data().decode().removeprefix(BOM))))
    assert rows == [list(COLUMNS)]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-12-01&to=2026-01-01", "The start date is after the end date."),
        ("from=2015-01-01&to=2026-01-01", "Export at most 1830 days at a time."),
        ("from=2026-13-01", "Give the date as YYYY-MM-DD"),
        ("from=yesterday", "Give the date as YYYY-MM-DD"),
        ("to=2026-02-30", "Give the date as YYYY-MM-DD"),
        ("site=1", "Unknown parameter site"),
    ],
)
def test_bad_periods_are_explained(
    member: Client, handovers: Handovers, query: str, message: str
) -> None:
    page = member.get(url(handovers, query=query), headers={"Accept-Language": "en"})
    assert page.status_code == 422 and message in page.get_data(as_text=True)
    problem = member.get(url(handovers, "json", query))
    assert problem.status_code == 422
    assert problem.mimetype == "application/problem+json"
    assert message in problem.get_json()["detail"]


def test_other_organisations_exports_are_not_found(client: Client, handovers: Handovers) -> None:
    for extension in ("csv", "json"):
        assert client.get(url(handovers, extension)).status_code == 302
    client.sign_in("stranger@example.fi")
    for extension in ("csv", "json"):
        assert client.get(url(handovers, extension)).status_code == 404
    assert client.get("/impact/organisations/999999/handovers.csv").status_code == 404
