from __future__ import annotations

from typing import Any

import pytest

# The partner fixtures (api, partner, make_key, local_server, …) come from
# tests/partners/fixtures.py, which tests/conftest.py loads for the whole suite.


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # Tests send webhooks themselves, with the clock they choose.
    app_config["WEBHOOKS_DELIVERY"] = "job"
    return app_config
