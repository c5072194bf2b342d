"""Where uploaded files live. Code outside this module sees only keys and the FileStorage
interface, so the local directory used in embedded mode can later give way to object storage.

Files are immutable: a key, once returned, always names the same bytes. Changing a file means
saving a new one and deleting the old key.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import Flask

ALLOWED_SUFFIXES = frozenset({".jpg", ".png", ".webp"})

# Exactly the shape _new_key produces. Matching the whole key against it, rather than cleaning
# it up, is what keeps "../", absolute paths, backslashes and NUL bytes out of the file system.
_SUFFIX_CHOICES = "|".join(re.escape(suffix) for suffix in sorted(ALLOWED_SUFFIXES))
_KEY_PATTERN = re.compile(r"[0-9a-f]{2}/[0-9a-f]{30}(?:" + _SUFFIX_CHOICES + ")")


class FileStorage(Protocol):
    def save(self, data: bytes, suffix: str) -> str:
        """Store `data` under a new unguessable key ending in `suffix` and return the key."""
        ...

    def open(self, key: str) -> BinaryIO:
        """Open the file for reading; raises FileNotFoundError if there is none."""
        ...

    def delete(self, key: str) -> None:
        """Remove the file; a file that is already gone is not an error."""
        ...

    def exists(self, key: str) -> bool: ...

    def copy(self, key: str) -> str:
        """Store a copy of the file under a new key and return that key."""
        ...


class LocalFileStorage:
    """Files in a local directory, fanned out over 256 subdirectories by the key's first byte.

    Every method raises ValueError for a key this class could not have produced.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def save(self, data: bytes, suffix: str) -> str:
        return self._write_new(suffix, lambda target: target.write(data))

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def copy(self, key: str) -> str:
        # Open the source first, so that a missing file fails before anything is written.
        with self.open(key) as source:
            return self._write_new(
                Path(key).suffix, lambda target: shutil.copyfileobj(source, target)
            )

    def _path(self, key: str) -> Path:
        if not _KEY_PATTERN.fullmatch(key):
            raise ValueError(f"Not a storage key: {key!r}")
        return self.root / key

    def _write_new(self, suffix: str, write: Callable[[BinaryIO], object]) -> str:
        key = _new_key(suffix)
        path = self._path(key)
        path.parent.mkdir(exist_ok=True)
        _write_atomically(path, write)
        return key


def _new_key(suffix: str) -> str:
    if suffix not in ALLOWED_SUFFIXES:
        raise ValueError(f"Suffix not allowed in storage: {suffix!r}")
    name = secrets.token_hex(16)
    return f"{name[:2]}/{name[2:]}{suffix}"


def _write_atomically(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write through a temporary file in the same directory and rename it into place, so that
    a crash or a full disk never leaves a partial file under a real key."""
    # The dot and ".tmp" keep the temporary name outside the key pattern, so no reader can reach
    # it; O_EXCL refuses to write through anything already there.
    temporary = path.with_name(f".{secrets.token_hex(8)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as target:
            write(target)
            target.flush()
            os.fsync(target.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_directory(path.parent)


def _sync_directory(directory: Path) -> None:
    # Without this, a power cut soon after the rename can lose the new name even though the
    # database has already committed a row that refers to it.
    if os.name != "posix":
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def register_storage(app: Flask) -> None:
    root = Path(app.config["UPLOAD_DIR"])
    root.mkdir(parents=True, exist_ok=True)
    app.extensions["storage"] = LocalFileStorage(root)


def storage_for(app: Flask) -> FileStorage:
    try:
        storage: FileStorage = app.extensions["storage"]
    except KeyError as error:
        raise RuntimeError("No file storage: call register_storage(app) in create_app.") from error
    return storage
