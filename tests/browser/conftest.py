"""Browser tests: Playwright driving the system Chromium against a live server on 127.0.0.1.

Nothing leaves the machine: requests to other hosts are refused, and map tiles are answered
with a generated image. axe-core runs on every page a journey visits.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from PIL import Image
from playwright.sync_api import Browser, Page, Route

from tests.support import served

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"
TILE_HOST = "tiles.test"

DEVICES = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    redundant = redundant_pairs(items)
    if redundant:
        config.hook.pytest_deselected(items=redundant)
        items[:] = [item for item in items if item not in redundant]
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if CHROMIUM is None:
                if os.environ.get("BROWSER_TESTS") == "required":
                    item.add_marker(
                        pytest.mark.xfail(reason="Chromium is missing", strict=True, run=False)
                    )
                else:
                    item.add_marker(
                        pytest.mark.skip(
                            reason="Chromium is not installed (apt-get install chromium)"
                        )
                    )


def redundant_pairs(items: list[pytest.Item]) -> list[pytest.Item]:
    """A journey that runs on both devices and on more than one database runs on each device
    and each database, but not on every pair: the layout does not depend on the database, nor
    the data on the screen. The database variants take the devices in turn (SQLite with the
    phone, PostgreSQL with the desktop, the PostgreSQL search with the phone again); with only
    SQLite, it runs on both devices."""
    journeys: dict[str, list[tuple[pytest.Item, str, str]]] = {}
    for item in items:
        params = getattr(item, "callspec", None) and item.callspec.params
        if params and "device" in params and "database_url" in params:
            journey = item.nodeid.partition("[")[0]
            journeys.setdefault(journey, []).append(
                (item, str(params["database_url"]), str(params["device"]))
            )
    redundant = []
    for runs in journeys.values():
        databases = list(dict.fromkeys(database for _, database, _ in runs))
        if len({device for _, _, device in runs}) < len(DEVICES) or len(databases) < 2:
            continue
        devices = list(DEVICES)
        for item, database, device in runs:
            if device != devices[databases.index(database) % len(devices)]:
                redundant.append(item)
    return redundant


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """Map tiles come from a host the browser context answers itself (see `page`)."""
    app_config["MAP_TILE_URL"] = f"https://{TILE_HOST}/{{z}}/{{x}}/{{y}}.png"
    return app_config


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    with served(app) as address:
        yield address


@pytest.fixture(scope="session")
def tile_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (226, 236, 226)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(params=list(DEVICES))
def device(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def page(browser: Browser, live_server: str, device: str, tile_png: bytes) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server, locale="en-GB", **DEVICES[device])

    def answer(route: Route) -> None:
        host = urlsplit(route.request.url).hostname
        if host == TILE_HOST:
            route.fulfill(status=200, content_type="image/png", body=tile_png)
        elif host == "127.0.0.1":
            route.continue_()
        else:
            route.abort()

    context.route("**/*", answer)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def assert_accessible(page: Page) -> None:
    """Run axe-core on the page; serious and critical violations fail the test."""
    # A click that follows a link returns once the navigation has begun; the new document may
    # not even have its <head> yet.
    page.wait_for_load_state("load")
    # Audit the page at rest. Mid-request, or mid-fade (the search's "Searching…" indicator
    # fades in and out), axe measures text at partial opacity and reports low contrast that
    # no one ever reads.
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    # Only running, finite fades are waited for, and never for more than a second: a
    # paused or endless animation would otherwise keep the promise waiting forever.
    page.evaluate(
        """() => Promise.race([
            Promise.all(document.getAnimations()
                .filter(a => a.playState === 'running'
                    && a.effect && a.effect.getTiming().iterations !== Infinity)
                .map(a => a.finished.catch(() => null))),
            new Promise(resolve => setTimeout(resolve, 1000)),
        ])"""
    )
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:3])
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], f"{page.url}: " + "; ".join(bad)
