"""Dagster's SQLite event log, with each database's connection kept open instead of opened for every event.

The stock `SqliteEventLogStorage` creates an SQLAlchemy engine, opens the database, commits and disposes of the
engine for every statement: ~800 events a nightly run (one materialization per dbt model, one check result per
test, and their planned events), each written to the run's database and mirrored in the index database, cost
~5 ms of that machinery apiece. This subclass keeps one engine (and its pooled connection) per database, the few
most recently used ones, and is otherwise Dagster's own: same files, same schema, same locking (SQLite's, plus the
storage's lock between threads), so `dagster dev`, the daemon and the CLI share a Dagster home as before.

`dagster.yaml` (written by `orchestration.cli.ensure_dagster_home`) names it as the event log storage.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as db
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)

# The index database and a few run databases: a run writes its own and the index; the UI reads many runs, and an
# engine left open keeps its file open.
OPEN_DATABASES = 8


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, db.Engine] = OrderedDict()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[db.Connection]:
        with self._db_lock:
            with self._engine(shard).connect() as conn, conn.begin():
                yield conn

    def _engine(self, shard: str) -> db.Engine:
        engine = self._engines.get(shard)
        if engine is None:
            engine = db.create_engine(self.conn_string_for_shard(shard), connect_args={
                "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
                "check_same_thread": False,  # one thread at a time: _db_lock
            })
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            self._engines[shard] = engine
            while len(self._engines) > OPEN_DATABASES:
                self._engines.popitem(last=False)[1].dispose()
        self._engines.move_to_end(shard)
        return engine

    def _close_databases(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        self._close_databases()  # the run databases are deleted: no connection may keep writing a deleted file
        super().wipe()

    def upgrade(self) -> None:
        self._close_databases()
        super().upgrade()

    def dispose(self) -> None:
        self._close_databases()
        super().dispose()
