from __future__ import annotations

import re
from pathlib import Path

import pytest

from marketplace.config import load_config

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_documented_in_the_readme() -> None:
    source = (ROOT / "marketplace" / "config.py").read_text()
    read = set(re.findall(r'(?:environ\.get|_flag|_int)\(\s*"([A-Z_]+)"', source))
    readme = (ROOT / "README.md").read_text()
    undocumented = {name for name in read if f"`{name}`" not in readme}
    assert read and undocumented == set()


def test_embedded_defaults_stay_inside_the_instance_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DATABASE_URL", "SECRET_KEY", "SEARCH_INDEX_DIR", "UPLOAD_DIR"):
        monkeypatch.delenv(name, raising=False)
    config = load_config(tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'marketplace.db'}"
    assert config["SEARCH_INDEX_DIR"].startswith(str(tmp_path))
    assert config["UPLOAD_DIR"].startswith(str(tmp_path))
    secret_file = tmp_path / "secret_key"
    assert secret_file.stat().st_mode & 0o077 == 0
    assert load_config(tmp_path)["SECRET_KEY"] == config["SECRET_KEY"]


def test_postgres_urls_get_the_psycopg_driver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://kera@db/marketplace")
    assert load_config(tmp_path)["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://kera@db/marketplace"
    )


def test_production_hashing_meets_asvs_level_2(tmp_path: Path) -> None:
    """OWASP's argon2id minimum is 19 MiB with two passes; the defaults exceed it."""
    config = load_config(tmp_path)
    assert config["AUTH_ARGON2_MEMORY_KIB"] >= 19 * 1024
    assert config["AUTH_ARGON2_TIME_COST"] >= 2


def test_postgresql_gets_its_timeouts_and_sqlite_keeps_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from marketplace.database import engine_options

    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert engine_options(load_config(tmp_path)) == {"pool_pre_ping": True}
    # Options given in the URL (a search path) are kept beside the statement timeout.
    monkeypatch.setenv("DATABASE_URL", "postgresql://kera@db/kera?options=-c%20search_path%3Dkera")
    options = engine_options(load_config(tmp_path))
    assert options["pool_pre_ping"] is True and options["pool_timeout"] == 5
    assert options["connect_args"] == {
        "connect_timeout": 3,
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
        "options": "-c search_path=kera -c statement_timeout=10000",
    }
    # No limit: nothing is sent, so a pooler that refuses the startup parameter still works.
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT", "0")
    monkeypatch.setenv("DATABASE_CONNECT_TIMEOUT", "4")
    args = engine_options(load_config(tmp_path))["connect_args"]
    assert args["options"] == "-c search_path=kera" and args["connect_timeout"] == 4
