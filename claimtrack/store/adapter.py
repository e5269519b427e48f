"""TinyDB's role: the record API over a snapshot that claimtrack reads and saves itself.

TinyDB reads and writes through a ``Storage``. ``SnapshotStorage`` holds the parsed file
in memory for the length of one command: the file is parsed once (or read record by
record through the index), TinyDB works on the snapshot, and the transaction saves it
once, atomically, while holding the lock. Tables are keyed by claimtrack's stable string
IDs instead of TinyDB's integer counters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document, Table

from claimtrack.errors import ClaimtrackError
from claimtrack.store.fileformat import Data


class SnapshotStorage(Storage):
    """TinyDB storage over an in-memory snapshot of the file, saved by the caller."""

    def __init__(self, data: Data) -> None:
        self.data = data
        self.dirty = False

    def read(self) -> Data:
        return self.data

    def write(self, data: Data) -> None:
        self.data = data
        self.dirty = True


class IdTable(Table):
    """A TinyDB table keyed by claimtrack's stable string IDs instead of counters."""

    document_id_class = str  # type: ignore[assignment]

    def _get_next_id(self) -> str:
        raise ClaimtrackError("internal error: records must be inserted with their ID")

    def _update_table(self, updater: Callable[[dict[Any, Any]], None]) -> None:
        # TinyDB's version rebuilds the whole table dict twice to convert integer keys;
        # our keys are strings already, so update the snapshot in place: O(1) per write.
        tables = self._storage.read() or {}
        updater(tables.setdefault(self.name, {}))
        self._storage.write(tables)
        self.clear_cache()

    # Reads a record into the snapshot before it is replaced or deleted, where the
    # snapshot holds only the records read so far (a large file read through its cache).
    loader: Callable[[str], object] | None = None
    # Told the IDs of the records each change touches, so that the snapshot saves them
    # and its index learns of them before the next question.
    watcher: Callable[[Iterable[str]], None] | None = None

    def _watched(self, record_ids: Iterable[str]) -> None:
        if self.watcher is not None:
            self.watcher(record_ids)

    def _loaded(self, record_ids: Iterable[str]) -> None:
        if self.loader is not None:
            for record_id in record_ids:
                self.loader(record_id)

    def insert_record(self, record: Mapping[str, Any]) -> None:
        """Add a record under its own ``id``."""
        self.insert(Document(record, doc_id=record["id"]))
        self._watched([record["id"]])

    def replace_record(self, record: Mapping[str, Any]) -> None:
        """Put ``record`` in place of the one with its ``id`` (added if absent)."""
        record_id = record["id"]
        self._loaded([record_id])

        def updater(records: dict[str, Any]) -> None:
            records[record_id] = dict(record)

        self._update_table(updater)
        self._watched([record_id])

    def delete_records(self, record_ids: Iterable[str]) -> None:
        """Delete these records; IDs of records that do not exist are passed over."""
        doomed = list(record_ids)
        self._loaded(doomed)
        present = self._present(doomed)
        if present:
            self.remove(doc_ids=cast(Any, present))
        self._watched(present)

    def _present(self, record_ids: list[str]) -> list[str]:
        tables = self._storage.read() or {}
        records = tables.get(self.name, {})
        return [record_id for record_id in record_ids if record_id in records]


class SnapshotDB(TinyDB):
    """TinyDB over a ``SnapshotStorage``, with ``IdTable`` tables."""

    table_class = IdTable

    def id_table(self, name: str) -> IdTable:
        return cast(IdTable, self.table(name))
