from __future__ import annotations

from typing import Any

import pytest

from tests.partners.fixtures import (  # noqa: F401  (fixtures used by the tests here)
    api,
    local_server,
    make_key,
    make_partner,
    other_partner,
    partner,
    photo_bytes,
    private_urls,
)


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # Tests send webhooks themselves, with the clock they choose.
    app_config["WEBHOOKS_DELIVERY"] = "job"
    return app_config
