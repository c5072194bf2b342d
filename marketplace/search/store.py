"""Where the Whoosh index lives on disk, and how a rebuilt index replaces the old one.

    SEARCH_INDEX_DIR/
      current -> index-20261130T101500-4242-1a2b   the index searches read (a symlink)
      index-20261130T101500-4242-1a2b/             one complete Whoosh index, with meta.json
      rebuilding                                   present while `flask search reindex` runs
      journal                                      listing ids written meanwhile (one a line)

A rebuild writes a fresh directory while searches and writers carry on with `current`. Writers
that see `rebuilding` also note the ids they wrote in `journal`; the rebuild then takes the
old index's write lock, re-reads those listings into the new index, and swaps `current` with
an atomic rename of a new symlink. Readers resolve `current` whenever they check for changes.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shutil
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from marketplace.search.schema import SCHEMA_VERSION, build_schema

CURRENT = "current"
PREFIX = "index-"
MARKER = "rebuilding"
JOURNAL = "journal"
META = "meta.json"
SCHEMA = build_schema()


class RebuildRunning(Exception):
    """Another `flask search reindex` holds the rebuild lock."""


class IndexStore:
    def __init__(self, base: Path) -> None:
        self.base = base
        self._indexes: dict[Path, Any] = {}

    def current(self, create: bool = True) -> Path | None:
        try:
            return self.base / os.readlink(self.base / CURRENT)
        except FileNotFoundError:
            return self._create_first() if create else None

    def _create_first(self) -> Path:
        self.base.mkdir(parents=True, exist_ok=True)
        # Two processes starting on an empty directory must agree on one index.
        with self._flock(".create.lock"):
            existing = self.current(create=False)
            if existing is not None:
                return existing
            path = self.new_directory()
            self.create(path)
            self.swap(path)
            return path

    def new_directory(self) -> Path:
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        return self.base / f"{PREFIX}{stamp}-{os.getpid()}-{secrets.token_hex(2)}"

    def create(self, path: Path) -> Any:
        path.mkdir(parents=True)
        index = whoosh_index.create_in(str(path), SCHEMA)
        meta = {"schema_version": SCHEMA_VERSION, "created": time.time()}
        (path / META).write_text(json.dumps(meta))
        self._indexes[path] = index
        return index

    def open(self, path: Path) -> Any:
        index = self._indexes.get(path)
        if index is None:
            # Our schema, not the pickled one: the analysers are the code's.
            index = whoosh_index.open_dir(str(path), schema=SCHEMA)
            self._indexes[path] = index
        return index

    def meta(self, path: Path) -> dict[str, Any]:
        try:
            return dict(json.loads((path / META).read_text()))
        except (OSError, ValueError):
            return {}

    def swap(self, path: Path) -> None:
        """Point `current` at `path` in one atomic rename."""
        temporary = self.base / f".current-{os.getpid()}-{secrets.token_hex(4)}"
        os.symlink(path.name, temporary)
        os.replace(temporary, self.base / CURRENT)

    @contextlib.contextmanager
    def _flock(self, name: str, blocking: bool = True) -> Iterator[None]:
        self.base.mkdir(parents=True, exist_ok=True)
        with open(self.base / name, "a") as handle:
            flags = fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB)
            try:
                fcntl.flock(handle, flags)
            except BlockingIOError as error:
                raise RebuildRunning(name) from error
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def rebuild_lock(self) -> contextlib.AbstractContextManager[None]:
        return self._flock(".rebuild.lock", blocking=False)

    def begin_rebuild(self, target: Path) -> None:
        (self.base / JOURNAL).write_text("")
        temporary = self.base / f".{MARKER}-{secrets.token_hex(4)}"
        temporary.write_text(json.dumps({"target": target.name, "pid": os.getpid()}))
        os.replace(temporary, self.base / MARKER)

    def rebuilding(self) -> bool:
        return (self.base / MARKER).exists()

    def note_written(self, ids: Iterable[int]) -> None:
        """While a rebuild runs, remember what the old index received after it started."""
        if not self.rebuilding():
            return
        lines = "".join(f"{listing_id}\n" for listing_id in ids)
        if lines:
            with open(self.base / JOURNAL, "a") as journal:
                journal.write(lines)

    def journal_ids(self) -> set[int]:
        try:
            text = (self.base / JOURNAL).read_text()
        except FileNotFoundError:
            return set()
        return {int(line) for line in text.split() if line.isdigit()}

    def end_rebuild(self) -> None:
        for name in (MARKER, JOURNAL):
            with contextlib.suppress(FileNotFoundError):
                (self.base / name).unlink()

    def directories(self) -> list[Path]:
        if not self.base.exists():
            return []
        return sorted(path for path in self.base.iterdir() if path.name.startswith(PREFIX))

    def remove_except(self, keep: Iterable[Path | None]) -> list[Path]:
        """Delete index directories other than `keep`. Processes still reading an old one
        have its files open, which Unix keeps readable until they close them."""
        kept = {path.resolve() for path in keep if path is not None}
        removed = []
        for path in self.directories():
            if path.resolve() not in kept:
                self._indexes.pop(path, None)
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
        return removed
