"""Uploaded-file storage: random keys, no way out of the root, no half-written files."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import BinaryIO

import pytest
from flask import Flask

from marketplace.core.storage import FileStorage, LocalFileStorage, register_storage, storage_for

PHOTO = b"\xff\xd8\xff\xe0 not really a photo \xff\xd9"
KEY_SHAPE = re.compile(r"[0-9a-f]{2}/[0-9a-f]{30}\.jpg")


@pytest.fixture
def store(tmp_path: Path) -> LocalFileStorage:
    return LocalFileStorage(tmp_path)


def files_under(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def test_a_saved_file_can_be_read_copied_and_deleted(
    store: LocalFileStorage, tmp_path: Path
) -> None:
    key = store.save(PHOTO, ".jpg")
    assert KEY_SHAPE.fullmatch(key)
    assert store.exists(key)
    assert (tmp_path / key).read_bytes() == PHOTO
    with store.open(key) as stored:
        assert stored.read() == PHOTO

    copy = store.copy(key)
    assert copy != key and KEY_SHAPE.fullmatch(copy)
    store.delete(key)
    assert not store.exists(key)
    with store.open(copy) as stored:
        assert stored.read() == PHOTO
    assert files_under(tmp_path) == [copy]


def test_keys_are_random_even_for_the_same_bytes(store: LocalFileStorage) -> None:
    keys = {store.save(PHOTO, ".jpg") for _ in range(20)}
    assert len(keys) == 20
    # Spread over the fan-out directories rather than piling into one.
    assert len({key.split("/")[0] for key in keys}) > 1


def test_the_suffix_is_kept_and_must_be_allowed(store: LocalFileStorage) -> None:
    assert store.save(PHOTO, ".png").endswith(".png")
    assert store.save(PHOTO, ".webp").endswith(".webp")
    for suffix in (".exe", ".html", ".JPG", "jpg", "", "/../x.jpg"):
        with pytest.raises(ValueError, match="Suffix"):
            store.save(PHOTO, suffix)


def test_deleting_a_missing_file_is_not_an_error(store: LocalFileStorage) -> None:
    key = store.save(PHOTO, ".jpg")
    store.delete(key)
    store.delete(key)
    store.delete("00/" + "0" * 30 + ".jpg")
    assert not store.exists(key)


def test_a_missing_file_is_not_found(store: LocalFileStorage, tmp_path: Path) -> None:
    missing = "ab/" + "c" * 30 + ".jpg"
    with pytest.raises(FileNotFoundError):
        store.open(missing)
    with pytest.raises(FileNotFoundError):
        store.copy(missing)
    assert files_under(tmp_path) == []


# "{outside}" stands for the directory just above the storage root, where a victim file waits:
# a real system path such as /etc/passwd would be at stake if validation ever broke.
BAD_KEYS = [
    "../x.jpg",
    "{outside}/x.jpg",
    "ab/../../x.jpg",
    "ab\\x.jpg",
    "ab/x.exe",
    "",
    "ab",
    "ab/",
    "ab/" + "0" * 30 + ".exe",
    "ab/" + "0" * 30 + ".jpg\x00",
    "ab/" + "0" * 30 + ".jpg\n",
    "AB/" + "0" * 30 + ".jpg",
    "ab/" + "0" * 29 + ".jpg",
    "ab/cd/" + "0" * 30 + ".jpg",
    "/ab/" + "0" * 30 + ".jpg",
    "ab//" + "0" * 30 + ".jpg",
    "ab\\" + "0" * 30 + ".jpg",
    ".." + "/" + "0" * 30 + ".jpg",
    "ab/" + "0" * 30 + ".jpg/../../../x.jpg",
]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_a_key_the_storage_did_not_make_is_refused(tmp_path: Path, key: str) -> None:
    victim = tmp_path / "x.jpg"
    victim.write_bytes(PHOTO)
    store = LocalFileStorage(tmp_path / "uploads")
    store.root.mkdir()
    key = key.format(outside=tmp_path)
    for operation in (store.open, store.exists, store.delete, store.copy):
        with pytest.raises(ValueError, match="Not a storage key"):
            operation(key)
    assert victim.read_bytes() == PHOTO
    assert files_under(store.root) == []


def test_an_interrupted_write_leaves_nothing_behind(
    store: LocalFileStorage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(source: object, target: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        store.save(PHOTO, ".jpg")
    assert files_under(tmp_path) == []


def test_a_failed_copy_leaves_nothing_behind(
    store: LocalFileStorage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = store.save(PHOTO, ".jpg")

    def crash(source: BinaryIO, target: BinaryIO) -> None:
        target.write(PHOTO[:5])
        raise OSError("read error")

    monkeypatch.setattr(shutil, "copyfileobj", crash)
    with pytest.raises(OSError, match="read error"):
        store.copy(key)
    assert files_under(tmp_path) == [key]


def test_a_file_is_never_visible_under_its_key_before_it_is_complete(
    store: LocalFileStorage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, bytes]] = []
    replace = os.replace

    def watching_replace(source: str | Path, target: str | Path) -> None:
        # At the moment of the rename the data is complete and only the temporary name exists.
        assert files_under(tmp_path) == [str(Path(source).relative_to(tmp_path))]
        seen.append((Path(source).name, Path(source).read_bytes()))
        replace(source, target)

    monkeypatch.setattr(os, "replace", watching_replace)
    key = store.save(PHOTO, ".jpg")
    [(temporary_name, data)] = seen
    assert data == PHOTO
    assert temporary_name.startswith(".") and not KEY_SHAPE.fullmatch(temporary_name)
    assert files_under(tmp_path) == [key]


def test_register_storage_creates_the_upload_directory(tmp_path: Path) -> None:
    app = Flask(__name__)
    app.config["UPLOAD_DIR"] = str(tmp_path / "instance" / "uploads")
    register_storage(app)
    assert (tmp_path / "instance" / "uploads").is_dir()
    files: FileStorage = storage_for(app)
    key = files.save(PHOTO, ".jpg")
    assert (tmp_path / "instance" / "uploads" / key).read_bytes() == PHOTO


def test_storage_for_an_app_without_storage_says_what_is_missing() -> None:
    with pytest.raises(RuntimeError, match="register_storage"):
        storage_for(Flask(__name__))
