"""The PostgreSQL backend stands without Whoosh: in a process where importing whoosh fails, the
app starts with SEARCH_BACKEND=postgres, indexes listings, finds them and offers "did you mean".
The import contracts in pyproject.toml keep whoosh out of those modules' imports; this test also
covers what they cannot see, such as the package's `__init__` and imports made at run time.

Run on its own: python -m tests.search.test_without_whoosh DATABASE_URL
"""

from __future__ import annotations

import importlib.abc
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

# Nothing of the app is imported at the top: the process this module runs in must not have
# loaded anything before whoosh is blocked.
pytestmark = [
    pytest.mark.search,
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL"), reason="needs TEST_DATABASE_URL (PostgreSQL)"
    ),
]

ROOT = Path(__file__).resolve().parents[2]


class NoWhoosh(importlib.abc.MetaPathFinder):
    """Makes `import whoosh` (and any of its modules) fail, as where it is not installed."""

    def find_spec(
        self, name: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if name == "whoosh" or name.startswith("whoosh."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def search_without_whoosh(database_url: str) -> dict[str, Any]:
    """In this process: block whoosh, start the app on the PostgreSQL backend, write two
    listings to its index and search them."""
    sys.meta_path.insert(0, NoWhoosh())
    from marketplace import create_app
    from marketplace.search.backend import DocumentBatch
    from marketplace.search.documents import ListingDocument
    from marketplace.search.indexing import extension
    from marketplace.search.query import SearchQuery

    def document(listing_id: int, title: str) -> ListingDocument:
        names = {
            "fi": ("Levyt", "Sisustus"),
            "sv": ("Skivor", "Inredning"),
            "en": ("Boards", "Interior"),
        }
        return ListingDocument(
            listing_id=listing_id,
            kind="material",
            language="fi",
            title=title,
            description="Ylijäämää työmaalta.",
            category_id=2,
            family_id=1,
            category_names=names,
            condition="good",
            organisation_id=None,
            place_text="Kera Espoo",
            free=True,
            price_cents=0,
            latitude=60.2172,
            longitude=24.7535,
            published=1_790_000_000 + listing_id,
        )

    instance = Path(tempfile.mkdtemp())
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test secret key",
            "INSTANCE_PATH": str(instance),
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "MAIL_SERVER": "",
            "SEARCH_BACKEND": "postgres",
            "SEARCH_INDEX_DIR": str(instance / "search-index"),
            "UPLOAD_DIR": str(instance / "uploads"),
        }
    )
    with app.app_context():
        backend = extension(app).backend
        batch = DocumentBatch([document(1, "Kipsilevy 13 mm"), document(2, "Vaneri 18 mm")], [])
        backend.update(lambda: batch, timeout=10)
        found = backend.search(SearchQuery(text="kipsilevyjä"), None)
        misspelt = backend.search(SearchQuery(text="kipsilvey"), None)
        extension(app).sync.drain(timeout=30)
    return {
        "backend": backend.name,
        "found": [hit.listing_id for hit in found.hits],
        "suggestion": misspelt.suggestion.text if misspelt.suggestion else None,
        "whoosh_loaded": sorted(name for name in sys.modules if name.split(".")[0] == "whoosh"),
    }


@pytest.fixture
def database(postgres_database: str) -> Iterator[str]:
    from tests.conftest import empty_postgres

    yield postgres_database
    empty_postgres(postgres_database)


def test_the_postgres_backend_searches_where_whoosh_cannot_be_imported(database: str) -> None:
    ran = subprocess.run(
        [sys.executable, "-m", "tests.search.test_without_whoosh", database],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    result = json.loads(ran.stdout.strip().splitlines()[-1])
    assert result == {
        "backend": "postgres",
        "found": [1],
        "suggestion": "kipsilevy",
        "whoosh_loaded": [],
    }


if __name__ == "__main__":
    print(json.dumps(search_without_whoosh(sys.argv[1])))
